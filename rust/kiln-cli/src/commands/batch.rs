//! `kiln batch`: burn fresh (or seed-file) seeds onto a box of tokens laid on
//! the reader one after another. Everything but the waiting and the printing
//! is `kiln_fleet::Batch` (docs/fleet.md); the lines and JSON events are in
//! `batch_out.rs`.

use crate::commands::batch_out::{self, Stop};
use crate::exit::Exit;
use crate::show::refuse;
use crate::station::Station;
use crate::transport::TransportArgs;
use kiln_core::params::{DisplayTimeout, TokenHmac, TokenStep};
use kiln_core::session::{Confirm, Exchange, Failure};
use kiln_fleet::audit::Operator;
use kiln_fleet::{
    Batch, BatchSettings, Decryptor, Encryptor, Journal, SeedFile, SeedFileOptions, SeedLength,
    SeedSource,
};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Burn a box of tokens: fresh or seed-file seeds, journalled (age-encrypted) first.
///
/// Lay the tokens on the reader one after another (each switched on). For each
/// kiln reads serial and model, writes the seed to the journal and makes it
/// durable, burns (settings, seed, confirming read, clock set unless
/// --no-sync), and asks for the next token. A token whose link is lost mid-burn
/// is finished when it is placed again; the batch takes no other token
/// meanwhile. Stops after --count tokens burned, on Ctrl-C (after the token in
/// hand), or when standard input is closed (Ctrl-D) in an interactive run.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  age-keygen -o box-17.key            # keep this file away from the laptop
  kiln batch --generate --journal box-17 --recipient age1… --count 50
  kiln batch --seeds vendor-seeds.csv --journal box-18 --passphrase-file pw.txt
  kiln export --journal box-17 --identity box-17.key --format entra-csv -o entra.csv.age

A restarted batch on the same journal continues it: a token whose burn was not
confirmed is finished with the seed already journalled for it (--identity or the
passphrase opens it). A journal that cannot be written stops the batch before the
next seed reaches a token.

Exit status: 0 the batch ended as asked (--count reached, input closed, no more
simulated tokens); 1 the journal or audit log could not be written; 2/3 a bad
option, key or seed file (nothing was written); 6 no reader; 130 Ctrl-C.")]
#[command(group = clap::ArgGroup::new("source").required(true).args(["generate", "seeds"]))]
pub struct Args {
    /// Generate a fresh seed for each token (OS random source).
    #[arg(long)]
    generate: bool,

    /// Take each token's seed from this seed file (CSV serial,secret or DualShield XML).
    #[arg(long, value_name = "FILE")]
    seeds: Option<PathBuf>,

    /// Read every secret of the seed file in this encoding (for secrets valid as
    /// both Base32 and Hex that no other row settles).
    #[arg(long, value_enum, value_name = "ENCODING")]
    seed_encoding: Option<crate::seed_in::EncodingArg>,

    /// The batch journal's directory (created if missing; continued if it exists).
    #[arg(long, value_name = "DIR")]
    journal: PathBuf,

    /// Encrypt the journal's seeds to this age public key (repeatable).
    #[arg(long, value_name = "AGE_PUBLIC_KEY")]
    recipient: Vec<String>,

    /// Encrypt the journal with the passphrase on this file's first line.
    #[arg(long, value_name = "FILE", conflicts_with = "recipient")]
    passphrase_file: Option<PathBuf>,

    /// An age identity file that opens the journal, to finish tokens an earlier
    /// run left unconfirmed (with --recipient).
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,

    #[command(flatten)]
    transport: TransportArgs,

    #[command(flatten)]
    clock: crate::reference::ClockArgs,

    /// HMAC of every token: SHA1 or SHA256 (Entra ID's CSV upload takes SHA1 only).
    #[arg(long, value_name = "NAME", default_value = "SHA1")]
    algorithm: String,

    /// Time step of every token, seconds: 30 or 60.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    period: u64,

    /// Display auto-off in seconds: 15, 30, 60 or 120.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    display_timeout: u32,

    /// Length of generated seeds, 16 to 63 bytes (default: 20 for SHA1, 32 for SHA256).
    #[arg(long, value_name = "N", conflicts_with = "seeds")]
    seed_bytes: Option<usize>,

    /// Keep each token's clock instead of setting it to this computer's time.
    #[arg(long)]
    no_sync: bool,

    /// How each token's new clock is checked: quick (the closing read proves it
    /// to the second, about a second faster per token) or precise (the residual
    /// to a few milliseconds, waiting for the token's next second).
    #[arg(long, value_name = "HOW", value_parser = ["quick", "precise"], default_value = "quick")]
    confirm: String,

    /// Burn again a token this journal holds as burned (a new seed; both records kept).
    #[arg(long)]
    reburn: bool,

    /// Stop after this many tokens are burned.
    #[arg(long, value_name = "N")]
    count: Option<u32>,

    /// Who burns, for the audit log (default: the OS user).
    #[arg(long, value_name = "NAME")]
    operator: Option<String>,

    /// Skip fsync of the journal and audit log (only to measure what it costs).
    #[arg(long, hide = true)]
    unsafe_no_fsync: bool,
}

pub fn run(args: Args, ctx: crate::Ctx) -> Exit {
    let (settings, protection, key) = match settle(&args) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    if settings.sync_clock && !crate::reference::confirm_write(&settings.reference, ctx.json) {
        return refuse(crate::reference::DECLINED, Exit::InputRefused);
    }
    let mut station = match Station::open(&args.transport) {
        Ok(s) => s,
        Err(e) => return refuse(&e.to_string(), Exit::NoToken),
    };
    let mut journal = match Journal::create_or_open(&args.journal, &protection) {
        Ok(j) => j,
        Err(e) => return refuse(&e.to_string(), Exit::InputRefused),
    };
    for d in &journal.open_report().damage {
        eprintln!("kiln: note: {d}");
    }
    journal.set_fsync(!args.unsafe_no_fsync);
    let operator = args
        .operator
        .as_deref()
        .map_or_else(Operator::from_env, Operator::new);
    let mut audit = match journal.audit_log(operator) {
        Ok(a) => a,
        Err(e) => return refuse(&e.to_string(), Exit::Failure),
    };
    audit.set_fsync(!args.unsafe_no_fsync);
    let protected_by = journal.protection();
    // A passphrase journal is read with the key its opening unlocked (no second scrypt).
    let key = journal.own_reader().or(key);
    let mut batch = match Batch::new(settings, journal, key.as_ref(), audit) {
        Ok(b) => b,
        Err(e) => return refuse(&e.to_string(), Exit::InputRefused),
    };
    batch_out::start(&batch, &station.description(), protected_by, ctx);
    let stdin_closed = watch_stdin();
    // Ctrl-C is only noted from here: the token in hand is finished first.
    let _deferred = crate::interrupt::defer();
    let (stop, mut exit) = run_loop(&mut batch, &mut station, args.count, &stdin_closed, ctx);
    if let (Some(s), Exit::Ok) = (batch.waiting_for(), exit) {
        // A token left mid-burn is not "done": say so, and exit as a lost link does.
        crate::out::error(format!(
            "token {s} was not finished (its link was lost mid-burn): run the batch again on \
             this journal and present it; it is finished with its journalled seed"
        ));
        exit = Exit::LinkLost;
    }
    batch_out::summary(&batch, stop, ctx);
    exit
}

/// The batch's settings, the journal's protection and the identity that opens
/// a journal to age public keys, from the options; a refusal names the option.
fn settle(args: &Args) -> Result<(BatchSettings, Encryptor, Option<Decryptor>), Exit> {
    let usage = |m: &str| refuse(m, Exit::Usage);
    let input = |m: &str| refuse(m, Exit::InputRefused);
    if args.seed_encoding.is_some() && args.seeds.is_none() {
        return Err(usage(
            "--seed-encoding says how to read a seed file's secrets: it needs --seeds FILE",
        ));
    }
    let hmac: TokenHmac = args
        .algorithm
        .parse()
        .map_err(|e: kiln_core::params::ParamError| usage(&e.to_string()))?;
    let step = TokenStep::try_from(args.period).map_err(|e| usage(&e.to_string()))?;
    let display_timeout =
        DisplayTimeout::try_from(args.display_timeout).map_err(|e| usage(&e.to_string()))?;
    let protection = match (&args.passphrase_file, args.recipient.is_empty()) {
        (Some(p), true) => Encryptor::from_passphrase_file(p),
        (None, false) => Encryptor::to_recipients(&args.recipient),
        _ => {
            return Err(usage(
                "the journal must be encrypted: give --recipient AGE_PUBLIC_KEY (repeatable; \
                 age-keygen makes a key pair) or --passphrase-file FILE; nothing was written",
            ))
        }
    }
    .map_err(|e| input(&e.to_string()))?;
    let key = args
        .identity
        .as_deref()
        .map(Decryptor::from_identity_file)
        .transpose()
        .map_err(|e| input(&e.to_string()))?;
    let seeds = match &args.seeds {
        Some(path) => SeedSource::File(
            SeedFile::read(
                path,
                SeedFileOptions {
                    encoding: args.seed_encoding.map(Into::into),
                },
            )
            .map_err(|e| input(&format!("{e}; nothing was written")))?,
        ),
        None => SeedSource::Generate(match args.seed_bytes {
            Some(n) => SeedLength::new(n).map_err(|e| usage(&e.to_string()))?,
            None => SeedLength::default_for(hmac),
        }),
    };
    if !args.transport.sim {
        crate::pcsc_link::check_service().map_err(|e| refuse(&e.to_string(), Exit::NoToken))?;
    }
    let settings = BatchSettings {
        hmac,
        step,
        display_timeout,
        sync_clock: !args.no_sync,
        confirm: if args.confirm == "precise" {
            Confirm::Precise
        } else {
            Confirm::Quick
        },
        reference: crate::reference::reference(&args.transport, &args.clock),
        seeds,
        reburn: args.reburn,
    };
    Ok((settings, protection, key))
}

/// In an interactive run, the end of standard input (Ctrl-D) ends the batch
/// after the token in hand.
fn watch_stdin() -> Arc<AtomicBool> {
    let closed = Arc::new(AtomicBool::new(false));
    if std::io::stdin().is_terminal() {
        let flag = Arc::clone(&closed);
        std::thread::spawn(move || {
            let mut line = String::new();
            while matches!(std::io::stdin().read_line(&mut line), Ok(n) if n > 0) {
                line.clear();
            }
            flag.store(true, Ordering::SeqCst);
            crate::interrupt::request();
        });
    }
    closed
}

/// Token after token until a stop; the reason and the exit code.
fn run_loop(
    batch: &mut Batch,
    station: &mut Station,
    count: Option<u32>,
    stdin_closed: &AtomicBool,
    ctx: crate::Ctx,
) -> (Stop, Exit) {
    let stopped = || {
        if stdin_closed.load(Ordering::SeqCst) {
            Some((Stop::InputClosed, Exit::Ok))
        } else if crate::interrupt::requested() {
            Some((Stop::Interrupted, Exit::Interrupted))
        } else {
            None
        }
    };
    let mut presented: u32 = 0;
    loop {
        if count.is_some_and(|n| batch.tally().burned >= n) {
            return (Stop::Count, Exit::Ok);
        }
        if let Some(s) = stopped() {
            return s;
        }
        let message = match batch.waiting_for() {
            Some(s) => format!("Place token {s} again to finish its burn"),
            None => "Switch the next token on and place it on the reader".to_owned(),
        };
        let mut hand = match station.next(&message) {
            Ok(Some(h)) => h,
            Ok(None) => return (Stop::NoMoreTokens, Exit::Ok),
            Err(e) => {
                if let Some(s) = stopped() {
                    return s;
                }
                crate::out::error(&e);
                let stop = if e.is_no_card() {
                    Stop::Idle
                } else {
                    Stop::Reader
                };
                return (stop, Exit::NoToken);
            }
        };
        presented = presented.saturating_add(1);
        let began = std::time::Instant::now();
        let retap = &mut hand.retap;
        let turn = batch.turn(
            &mut *hand.link,
            &mut *hand.clock,
            &mut |_: &Exchange| {},
            &mut |f: &Failure| {
                batch_out::link_lost(f, ctx);
                retap()
            },
        );
        match turn {
            Ok(t) => batch_out::turn(presented, &t, batch, began.elapsed(), ctx),
            Err(e) => {
                crate::out::error(format!(
                    "{e}; the batch stopped before writing another seed to any token"
                ));
                return (Stop::Journal, Exit::Failure);
            }
        }
        if count.is_some_and(|n| batch.tally().burned >= n) {
            return (Stop::Count, Exit::Ok);
        }
        if let Err(e) = station.wait_removed() {
            if let Some(s) = stopped() {
                return s;
            }
            crate::out::error(&e);
            return (Stop::Reader, Exit::NoToken);
        }
    }
}
