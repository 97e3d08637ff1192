//! Digest schedules: parsing what users write and computing when they fall due. Pure.
//! (Placeholder signatures; the implementation lands with its tests.)

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A parsed schedule.
#[derive(Clone, Debug)]
pub enum Schedule {
    Off,
    Cron { normalized: String },
}

/// Why a schedule or time zone was refused; the message is shown to the user as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    UnknownZone(String),
}

pub fn parse(spec: &str) -> Result<Schedule, ScheduleError> {
    Err(ScheduleError::Invalid(format!(
        "cannot read schedule {spec:?} yet"
    )))
}

pub fn parse_time_zone(name: &str) -> Result<Tz, ScheduleError> {
    name.parse::<Tz>()
        .map_err(|_| ScheduleError::UnknownZone(format!("unknown time zone {name:?}")))
}

/// How the schedule reads in words, e.g. "every day at 08:00".
pub fn describe(schedule: &Schedule) -> String {
    match schedule {
        Schedule::Off => "off".into(),
        Schedule::Cron { normalized } => normalized.clone(),
    }
}

/// The first due time strictly after `after`, in `tz`; `None` when off.
pub fn next_after(_schedule: &Schedule, _tz: Tz, _after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    None
}
