//! A small RFC 4180 CSV reader and field writer, for seed files, `--upn-map`
//! files and the CSV exports. Fields live in zeroizing strings (a seed file's
//! secrets pass through here); every record knows the line it starts on, so
//! errors can name it. A UTF-8 byte-order mark, CRLF line ends, quoted fields
//! (with `""` for a quote and line breaks inside) and blank lines are accepted.

use std::borrow::Cow;
use zeroize::Zeroizing;

/// One record and the (1-based) line it starts on.
pub(crate) struct Record {
    pub line: usize,
    pub fields: Vec<Zeroizing<String>>,
}

impl Record {
    /// The field at `i`, trimmed; empty when missing.
    pub fn field(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", |f| f.trim())
    }
}

/// Why the text is not CSV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("line {line}: a quoted field is never closed (a \" is missing)")]
    UnterminatedQuote { line: usize },
    #[error("line {line}: there is text after a closing quote; write \"\" for a quote inside a quoted field")]
    TextAfterQuote { line: usize },
}

/// Splits `text` into records. Blank lines are skipped; a leading BOM is ignored.
pub(crate) fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<Zeroizing<String>> = Vec::new();
    let mut field = Zeroizing::new(String::new());
    let mut line = 1usize;
    let mut record_line = 1usize;
    let mut quoted = false; // inside a quoted field
    let mut was_quoted = false; // the current field was quoted and is closed
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    was_quoted = true;
                }
                '\n' => {
                    line = line.saturating_add(1);
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() && !was_quoted => {
                field.clear();
                quoted = true;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                fields.push(std::mem::take(&mut field));
                push_record(&mut records, std::mem::take(&mut fields), record_line);
                was_quoted = false;
                line = line.saturating_add(1);
                record_line = line;
            }
            c if was_quoted => {
                if !c.is_whitespace() {
                    return Err(CsvError::TextAfterQuote { line });
                }
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err(CsvError::UnterminatedQuote { line: record_line });
    }
    fields.push(field);
    push_record(&mut records, fields, record_line);
    Ok(records)
}

fn push_record(records: &mut Vec<Record>, fields: Vec<Zeroizing<String>>, line: usize) {
    let blank = fields.iter().all(|f| f.trim().is_empty());
    if !blank {
        records.push(Record { line, fields });
    }
}

/// `value` as one CSV field: quoted when it holds a comma, quote, line break or
/// surrounding space.
pub(crate) fn field(value: &str) -> Cow<'_, str> {
    let needs =
        value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ');
    if needs {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<(usize, Vec<String>)> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|r| (r.line, r.fields.iter().map(|f| f.to_string()).collect()))
            .collect()
    }

    #[test]
    fn bom_crlf_quotes_and_blank_lines() {
        let got = rows("\u{FEFF}serial,secret\r\n\r\n\"0012\",\"a,\"\"b\"\"\"\r\n3,\"x\ny\"\n4,z");
        assert_eq!(
            got,
            vec![
                (1, vec!["serial".into(), "secret".into()]),
                (3, vec!["0012".into(), "a,\"b\"".into()]),
                (4, vec!["3".into(), "x\ny".into()]),
                (6, vec!["4".into(), "z".into()]),
            ]
        );
    }

    #[test]
    fn broken_quotes_name_the_line() {
        assert_eq!(
            parse("a,b\nc,\"d").err(),
            Some(CsvError::UnterminatedQuote { line: 2 })
        );
        assert_eq!(
            parse("a,b\n\"c\"x,d").err(),
            Some(CsvError::TextAfterQuote { line: 2 })
        );
    }

    #[test]
    fn fields_round_trip() {
        for v in ["plain", "a,b", "say \"hi\"", " pad", "two\nlines", ""] {
            let line = format!("{},end", field(v));
            let got = rows(&line);
            assert_eq!(got[0].1[0], v, "{line}");
        }
    }
}
