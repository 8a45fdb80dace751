//! `kiln export`: a batch journal's seeds in a format an identity provider or
//! token server imports, age-encrypted unless `--plaintext` (docs/fleet.md).

use crate::exit::Exit;
use crate::show::refuse;
use kiln_fleet::audit::{AuditEntry, AuditLog, Operator};
use kiln_fleet::export::{export, ExportFormat, UpnMap};
use kiln_fleet::Encryptor;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

/// Export the seeds of a batch journal for Entra ID, Graph, DualShield or Duo.
///
/// Only tokens whose seed a confirming read proved are exported, unless
/// --include-unconfirmed (those rows are marked; formats that cannot mark a row
/// refuse). The file is age-encrypted (ASCII-armored; `age -d -i KEY` opens it)
/// to the journal's own keys, or to --recipient keys, unless --plaintext.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Formats:
  entra-csv          upn,serial number,secret key,time interval,manufacturer,model
                     (Entra ID's OATH token upload; HMAC-SHA1 tokens only)
  entra-graph-json   body of a Graph bulk create of hardwareOathDevices
  dualshield-xml     Deepnet DualShield seed file (hex seeds)
  duo                serial,hex secret per line (Duo's hardware token import)
  csv                serial,secret base32,algorithm,period,manufacturer,model

Examples:
  kiln export --journal box-17 --identity key.txt --format entra-csv \\
      --upn-map upns.csv -o box-17-entra.csv.age
  age -d -i key.txt box-17-entra.csv.age > box-17-entra.csv
  kiln export --journal box-17 --passphrase-file pw.txt --format csv \\
      --include-unconfirmed --plaintext -o recovery.csv

Exit status: 0 written; 3 refused (no key, wrong key, a format that cannot
take these tokens, an existing output file); 1 the journal or the output
could not be read or written.")]
#[command(group = clap::ArgGroup::new("key").required(true).args(["identity", "passphrase_file"]))]
#[command(group = clap::ArgGroup::new("dest").required(true).args(["output", "stdout"]))]
pub struct Args {
    /// The batch journal's directory.
    #[arg(long, value_name = "DIR")]
    journal: PathBuf,

    /// An age identity file (as age-keygen writes it) that opens the journal.
    #[arg(long, value_name = "AGE_KEY_FILE")]
    identity: Option<PathBuf>,

    /// A file whose first line is the journal's passphrase.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,

    /// The export format.
    #[arg(long, value_name = "F", value_parser = ["entra-csv", "entra-graph-json", "dualshield-xml", "duo", "csv"])]
    format: String,

    /// CSV `serial,upn` (entra-csv: the upn column; entra-graph-json: assignTo id).
    #[arg(long, value_name = "FILE")]
    upn_map: Option<PathBuf>,

    /// Also export tokens whose burn was never confirmed (rows marked).
    #[arg(long)]
    include_unconfirmed: bool,

    /// Write the export to this new file (never replaces an existing one).
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: Option<PathBuf>,

    /// Write the export to standard output.
    #[arg(long)]
    stdout: bool,

    /// Write seeds in clear (file mode 0600). Without it the export is age-encrypted.
    #[arg(long)]
    plaintext: bool,

    /// Encrypt the export to this age public key instead of the journal's own
    /// keys (repeatable).
    #[arg(long, value_name = "AGE_PUBLIC_KEY")]
    recipient: Vec<String>,

    /// Who exports, for the audit log (default: the OS user).
    #[arg(long, value_name = "NAME")]
    operator: Option<String>,
}

pub fn run(args: Args, ctx: crate::Ctx) -> Exit {
    if ctx.json && args.stdout {
        return refuse(
            "--json and --stdout both write to standard output; use -o FILE with --json",
            Exit::Usage,
        );
    }
    if args.plaintext && !args.recipient.is_empty() {
        return refuse(
            "--plaintext writes no encryption: leave out --recipient",
            Exit::Usage,
        );
    }
    let format: ExportFormat = match args.format.parse() {
        Ok(f) => f,
        Err(e) => return refuse(&e, Exit::Usage),
    };
    let (key, contents) = match super::journal_open::open(
        &args.journal,
        args.identity.as_deref(),
        args.passphrase_file.as_deref(),
    ) {
        Ok(k) => k,
        Err(exit) => return exit,
    };
    let upn = match &args.upn_map {
        Some(p) => match UpnMap::read(p) {
            Ok(m) => m,
            Err(e) => return refuse(&e.to_string(), Exit::InputRefused),
        },
        None => UpnMap::default(),
    };
    let state = contents.state();
    let made = match export(&state, format, args.include_unconfirmed, &upn) {
        Ok(m) => m,
        Err(e) => return refuse(&e.to_string(), Exit::InputRefused),
    };
    let bytes: Vec<u8> = if args.plaintext {
        made.bytes.to_vec()
    } else {
        let to = if args.recipient.is_empty() {
            Ok(key.matching_encryptor())
        } else {
            Encryptor::to_recipients(&args.recipient)
        };
        let encrypted = to
            .map_err(|e| e.to_string())
            .and_then(|enc| enc.encrypt(&made.bytes, true).map_err(|e| e.to_string()));
        match encrypted {
            Ok(b) => b,
            Err(e) => return refuse(&e, Exit::InputRefused),
        }
    };
    let bytes = zeroize::Zeroizing::new(bytes);
    let dest = match &args.output {
        Some(path) => {
            if let Err(e) = write_new(path, &bytes) {
                let exit = if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Exit::InputRefused
                } else {
                    Exit::Failure
                };
                let why = if exit == Exit::InputRefused {
                    "it exists already; kiln never replaces a file with an export (choose another name)".to_owned()
                } else {
                    e.to_string()
                };
                return refuse(&format!("could not write {}: {why}", path.display()), exit);
            }
            path.display().to_string()
        }
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(&bytes).and_then(|()| out.flush()) {
                return refuse(
                    &format!("could not write to standard output: {e}"),
                    Exit::Failure,
                );
            }
            "-".to_owned()
        }
    };
    let encryption = if args.plaintext {
        "plaintext"
    } else {
        "age (ASCII-armored)"
    };
    let summary = format!(
        "{} rows ({} unconfirmed) as {format}, {encryption}, to {dest}",
        made.rows, made.unconfirmed_rows
    );
    let operator = args
        .operator
        .as_deref()
        .map_or_else(Operator::from_env, Operator::new);
    let mut entry = AuditEntry::new("export", "ok");
    entry.detail = Some(summary.clone());
    if let Err(e) = AuditLog::open(&args.journal, None, operator).and_then(|mut l| l.append(entry))
    {
        eprintln!("kiln: note: the export is written, but {e}");
    }
    if ctx.json {
        crate::out::object(json!({
            "format": format.as_str(),
            "rows": made.rows,
            "unconfirmed_rows": made.unconfirmed_rows,
            "encrypted": !args.plaintext,
            "output": dest,
            "damaged_lines": contents.damage.iter().map(|d| d.line).collect::<Vec<_>>(),
        }));
    } else if args.output.is_some() {
        eprintln!("Exported {summary}");
    }
    Exit::Ok
}

/// A new file, mode 0600, never replacing one.
fn write_new(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
