//! The compact lists behind the related-papers index: a paper's terms (sorted term ids with
//! their count codes) and the packed postings of every term (sorted paper numbers with the
//! same codes), both as varint deltas with one code byte per entry.
//!
//! Ids in a sorted list are close together, so a delta fits one or two bytes and an entry
//! takes about three, against eight for a `(u32, f32)` pair; over 80,000 papers with
//! 14 million (paper, term) pairs that is the difference between fitting the memory budget
//! and not. Decoding is a byte loop, far cheaper than the cache misses it saves. Pure: std
//! only; a truncated list decodes to its whole entries and never panics.

/// Appends `value` as a little-endian base-128 varint.
pub(crate) fn push_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The varint at `*at`, advancing past it; `None` at the end or on a truncated value.
fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u32> {
    let mut value: u32 = 0;
    let mut shift = 0;
    loop {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u32::from(byte & 0x7f).checked_shl(shift)?;
        if byte < 0x80 {
            return Some(value);
        }
        shift += 7;
        if shift > 28 {
            return None;
        }
    }
}

/// How many bytes `push_varint` writes for `value`.
fn varint_len(value: u32) -> usize {
    match value {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        0x4000..0x20_0000 => 3,
        0x20_0000..0x1000_0000 => 4,
        _ => 5,
    }
}

/// Appends `(id, code)` pairs sorted by id (ascending, no repeats) to `out` as a delta list.
pub(crate) fn encode_into(out: &mut Vec<u8>, entries: &[(u32, u8)]) {
    let mut previous = 0;
    for &(id, code) in entries {
        push_varint(out, id.wrapping_sub(previous));
        out.push(code);
        previous = id;
    }
}

#[cfg(test)]
fn encode(entries: &[(u32, u8)]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&mut out, entries);
    out
}

/// Decodes a delta list back into `(id, code)` pairs.
#[derive(Clone)]
pub(crate) struct Entries<'a> {
    bytes: &'a [u8],
    at: usize,
    id: u32,
}

impl<'a> Entries<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Entries {
            bytes,
            at: 0,
            id: 0,
        }
    }
}

impl Iterator for Entries<'_> {
    type Item = (u32, u8);

    fn next(&mut self) -> Option<(u32, u8)> {
        let delta = read_varint(self.bytes, &mut self.at)?;
        let code = *self.bytes.get(self.at)?;
        self.at += 1;
        self.id = self.id.wrapping_add(delta);
        Some((self.id, code))
    }
}

/// Every term's postings over a fixed set of papers, packed in one buffer: the
/// compressed-sparse-row layout, one allocation instead of one per term.
#[derive(Clone, Debug, Default)]
pub(crate) struct Packed {
    bytes: Vec<u8>,
    /// `starts[t]..starts[t + 1]` is term `t`'s list; terms past the end have none. 32
    /// bits: at about 3 bytes a posting, 4 GiB is over a billion postings, a hundred times
    /// this corpus; postings past it are left out rather than mis-read.
    starts: Vec<u32>,
}

impl Packed {
    /// Packs the postings of papers `0..`, each given as its encoded term list, for terms
    /// `0..term_count`. Two passes: one sizes every list, one writes it.
    pub fn build<'a>(term_count: usize, papers: impl Fn() -> PaperLists<'a>) -> Packed {
        // Sizes first, in `starts` itself, then turned into offsets in place: the only other
        // buffers are one paper number and one cursor per term.
        let mut last_paper = vec![0u32; term_count];
        let mut starts = vec![0u32; term_count + 1];
        for (paper, terms) in papers() {
            for (term, _) in Entries::new(terms) {
                let term = term as usize;
                if let (Some(last), Some(size)) = (last_paper.get_mut(term), starts.get_mut(term)) {
                    let entry = varint_len(paper.wrapping_sub(*last)) as u32 + 1;
                    *size = size.saturating_add(entry);
                    *last = paper;
                }
            }
        }
        let mut total: u32 = 0;
        for start in &mut starts {
            let size = *start;
            *start = total;
            // A list that would end past 4 GiB is left out (empty).
            total = total.checked_add(size).unwrap_or(total);
        }
        let mut bytes = vec![0u8; total as usize];
        let mut cursors: Vec<u32> = starts.clone();
        last_paper.iter_mut().for_each(|last| *last = 0);
        let mut scratch = Vec::with_capacity(6);
        for (paper, terms) in papers() {
            for (term, code) in Entries::new(terms) {
                let term = term as usize;
                let (Some(last), Some(cursor), Some(&end)) = (
                    last_paper.get_mut(term),
                    cursors.get_mut(term),
                    starts.get(term + 1),
                ) else {
                    continue;
                };
                scratch.clear();
                push_varint(&mut scratch, paper.wrapping_sub(*last));
                scratch.push(code);
                let at = *cursor as usize;
                // Only a list left out for size can run past its end.
                if at + scratch.len() > end as usize {
                    continue;
                }
                if let Some(target) = bytes.get_mut(at..at + scratch.len()) {
                    target.copy_from_slice(&scratch);
                }
                *cursor += scratch.len() as u32;
                *last = paper;
            }
        }
        Packed { bytes, starts }
    }

    /// Term `term`'s postings as `(paper, code)`, ascending by paper.
    pub fn postings(&self, term: u32) -> Entries<'_> {
        let term = term as usize;
        let list = match (self.starts.get(term), self.starts.get(term + 1)) {
            (Some(&start), Some(&end)) => {
                self.bytes.get(start as usize..end as usize).unwrap_or(&[])
            }
            _ => &[],
        };
        Entries::new(list)
    }

    pub fn memory_bytes(&self) -> usize {
        self.bytes.capacity() + self.starts.capacity() * 4
    }
}

/// Papers in ascending number order, each with its encoded term list.
pub(crate) type PaperLists<'a> = Box<dyn Iterator<Item = (u32, &'a [u8])> + 'a>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        for value in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            2_097_151,
            2_097_152,
            u32::MAX,
        ] {
            let mut out = Vec::new();
            push_varint(&mut out, value);
            assert_eq!(out.len(), varint_len(value), "{value}");
            let mut at = 0;
            assert_eq!(read_varint(&out, &mut at), Some(value));
            assert_eq!(at, out.len());
        }
        // Truncated and overlong input decode to nothing rather than panic.
        assert_eq!(read_varint(&[0x80], &mut 0), None);
        assert_eq!(read_varint(&[0xff; 6], &mut 0), None);
    }

    #[test]
    fn lists_round_trip() {
        let entries = vec![(0, 1), (5, 2), (300, 255), (70_000, 7), (u32::MAX, 9)];
        let encoded = encode(&entries);
        assert_eq!(Entries::new(&encoded).collect::<Vec<_>>(), entries);
        // A truncated list yields its whole entries.
        let cut = &encoded[..encoded.len() - 1];
        assert_eq!(Entries::new(cut).count(), entries.len() - 1);
    }

    #[test]
    fn packs_postings_by_term() {
        let papers: Vec<Vec<u8>> = vec![
            encode(&[(0, 1), (2, 3)]),
            encode(&[(2, 4)]),
            encode(&[]),
            encode(&[(0, 5), (1, 6), (2, 7)]),
        ];
        let lists = || -> PaperLists<'_> {
            Box::new(
                papers
                    .iter()
                    .enumerate()
                    .map(|(i, terms)| (i as u32, &terms[..])),
            )
        };
        let packed = Packed::build(4, lists);
        let postings = |t| packed.postings(t).collect::<Vec<_>>();
        assert_eq!(postings(0), vec![(0, 1), (3, 5)]);
        assert_eq!(postings(1), vec![(3, 6)]);
        assert_eq!(postings(2), vec![(0, 3), (1, 4), (3, 7)]);
        assert_eq!(postings(3), vec![]);
        assert_eq!(postings(99), vec![]);
    }
}
