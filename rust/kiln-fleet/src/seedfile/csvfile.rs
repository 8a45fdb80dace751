//! CSV seed files: `serial,secret`, header optional.

use super::{LineProblem, RawRow, SeedFileError};
use crate::csv;
use zeroize::Zeroizing;

/// A header cell, normalised: lower case, no spaces, `_` or `-`.
fn norm(cell: &str) -> String {
    cell.trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .collect::<String>()
        .to_ascii_lowercase()
}

const SERIAL_NAMES: &[&str] = &["serial", "serialnumber", "sn", "serialno"];
const SECRET_NAMES: &[&str] = &[
    "secret",
    "secretkey",
    "seed",
    "key",
    "secrethex",
    "secretbase32",
];
const PERIOD_NAMES: &[&str] = &["timeinterval", "period", "timestep", "interval"];

struct Columns {
    serial: usize,
    secret: usize,
    period: Option<usize>,
}

fn header(cells: &[String]) -> Option<Result<Columns, ()>> {
    let find = |names: &[&str]| cells.iter().position(|c| names.contains(&c.as_str()));
    let known = cells.iter().any(|c| {
        SERIAL_NAMES.contains(&c.as_str())
            || SECRET_NAMES.contains(&c.as_str())
            || PERIOD_NAMES.contains(&c.as_str())
            || c == "upn"
    });
    if !known {
        return None;
    }
    Some(match (find(SERIAL_NAMES), find(SECRET_NAMES)) {
        (Some(serial), Some(secret)) => Ok(Columns {
            serial,
            secret,
            period: find(PERIOD_NAMES),
        }),
        _ => Err(()),
    })
}

pub(super) fn rows(text: &str) -> Result<Vec<RawRow>, SeedFileError> {
    let records = csv::parse(text)?;
    let mut records = records
        .into_iter()
        .filter(|r| !r.field(0).starts_with('#'))
        .peekable();
    let mut columns = None;
    if let Some(first) = records.peek() {
        let cells: Vec<String> = first.fields.iter().map(|f| norm(f)).collect();
        match header(&cells) {
            Some(Ok(c)) => {
                columns = Some(c);
                records.next();
            }
            Some(Err(())) => {
                return Err(SeedFileError::Invalid {
                    problems: vec![(first.line, LineProblem::Header)],
                    total: 1,
                })
            }
            None => {}
        }
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for r in records {
        let (serial, secret, period) = match &columns {
            Some(c) => (
                r.field(c.serial),
                r.field(c.secret),
                c.period.map(|p| r.field(p).to_owned()),
            ),
            None => {
                if r.fields.len() != 2 {
                    problems.push((
                        r.line,
                        LineProblem::FieldCount {
                            found: r.fields.len(),
                        },
                    ));
                    continue;
                }
                (r.field(0), r.field(1), None)
            }
        };
        out.push(RawRow {
            line: r.line,
            serial: Zeroizing::new(serial.to_owned()),
            secret: Zeroizing::new(secret.to_owned()),
            encoding: None,
            period,
            hmac: None,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        let total = problems.len();
        Err(SeedFileError::Invalid { problems, total })
    }
}
