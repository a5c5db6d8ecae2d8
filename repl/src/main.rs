//! The `borf` binary: command line, script loading, console and pipe input.
//!
//! `borf [FILE.q|DIR] [flags] [ARGS]` (`borf -h` lists the flags, `args.rs`)
//!
//! As q: the `-p` port is listened on and the `-t` timer set before the
//! script runs (`system"p"` is already the port inside it); a directory in
//! place of the script is loaded as a database.
//!
//! The interpreter runs on a thread with a large stack so that deep
//! recursion ends in the engine's `'stack` error rather than a crash.

mod args;
mod console;
mod eventloop;
mod pipe;
mod session;

use std::io::IsTerminal;

use session::{Flow, Origin, Session};

#[global_allocator]
static ALLOCATOR: qengine::alloc::Counting = qengine::alloc::Counting;

/// Stack of the interpreter thread. Only touched pages are committed, so a
/// large reservation costs nothing until used.
const STACK_BYTES: usize = 512 << 20;

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let opts = match args::parse(&argv) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("borf: {msg}");
            eprintln!("{}", args::USAGE);
            std::process::exit(1);
        }
    };
    if opts.help {
        print!("{}", args::HELP);
        std::process::exit(0);
    }
    session::install_panic_hook();
    qengine::alloc::install();
    // `-w MB`: the heap limit; beyond it evaluations fail with 'wsfull
    if let Some(mb) = opts.workspace_mb {
        qengine::budget::set_wmax((mb as usize).saturating_mul(1 << 20));
    }
    // Ctrl-C stops the running evaluation (`'stop`) instead of the process;
    // at the terminal prompt rustyline handles it itself.
    let _ = ctrlc::set_handler(qengine::budget::interrupt);
    let worker = std::thread::Builder::new()
        .name("borf-interp".into())
        .stack_size(STACK_BYTES)
        .spawn(move || run(opts));
    let code = match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => {
            eprintln!("borf: internal error: the interpreter thread panicked");
            70
        }
        Err(e) => {
            eprintln!("borf: cannot start the interpreter thread: {e}");
            71
        }
    };
    std::process::exit(code);
}

/// Everything after argument parsing; returns the exit code, after
/// `.z.exit` has seen it.
fn run(opts: args::Options) -> i32 {
    let mut s = Session::new();
    let code = run_session(&mut s, opts);
    s.at_exit(code);
    code
}

/// The session from the command line's settings to its end; returns the
/// exit code.
fn run_session(s: &mut Session, opts: args::Options) -> i32 {
    if let Some((rows, cols)) = &opts.console
        && let Flow::Exit(c) = s.run(&format!("\\c {rows} {cols}"), Origin::Console, false)
    {
        return c;
    }
    if let Some(p) = &opts.precision
        && let Flow::Exit(c) = s.run(&format!("\\P {p}"), Origin::Console, false)
    {
        return c;
    }
    if let Some(f) = &opts.users {
        match qengine::ipc::load_users(f) {
            Ok(u) => {
                s.it.ipc.users = Some(std::sync::Arc::new(u));
                s.it.ipc.users_file = Some(f.clone());
                qengine::storage::confine::protect(std::path::Path::new(f));
            }
            Err(e) => {
                eprintln!("borf: {e}");
                return 1;
            }
        }
    }
    if opts.restrict {
        s.it.ipc.restrict = qengine::ipc::Restrict::Clients;
    }
    s.it.ipc.block_writes = opts.block_writes;
    if let Some(n) = &opts.secondary {
        match n.trim().parse::<i64>() {
            // negative: secondary processes (`.z.pd`), no threads
            Ok(n) if n < 0 => s.it.settings.threads = n,
            Ok(n) => {
                s.it.settings.threads_max = n;
                s.it.settings.threads = n;
            }
            Err(_) => {
                eprintln!("borf: -s {n}: not a number");
                return 1;
            }
        }
    }
    // At a terminal an error inside a lambda suspends at the `q))` prompt,
    // as q's console does (error-trap mode 1); `-e` sets the mode itself,
    // and piped input keeps mode 0 so transcripts run at the top level.
    if std::io::stdin().is_terminal() {
        s.it.settings.error_mode = 1;
    }
    // -e -o -T -S -W -z -g: their system commands
    for c in &opts.commands {
        if let Err(e) = s.it.system(c) {
            eprintln!("borf: -{c}: '{}", e.name);
            return 1;
        }
    }
    let (tx, rx) = eventloop::channel(s);
    s.it.script_file = opts.script.clone();
    s.it.script_args = opts.script_args.clone();

    // `-p port`: listen; the process keeps serving after standard input ends.
    if let Some(p) = &opts.port
        && let Err(e) = qengine::ipc::listen(&mut s.it, p)
    {
        println!("'{}", e.name);
        eprintln!("  cannot listen on {p}");
        return 1;
    }
    if let Some(t) = &opts.timer
        && let Flow::Exit(c) = s.run(&format!("\\t {t}"), Origin::Console, false)
    {
        return c;
    }

    if let Some(file) = &opts.script
        && let Some(code) = run_script(s, file)
    {
        return code;
    }

    if std::io::stdin().is_terminal() {
        let quiet = opts.quiet;
        eventloop::serve(s, tx, rx, move |r| console::run(r, quiet), true)
    } else {
        let sep = std::env::var("BORF_TEST_SEPARATOR").ok();
        eventloop::serve(s, tx, rx, move |r| pipe::run(r, sep.as_deref()), false)
    }
}

/// Runs a script as q loads one: results are not printed; the first error is
/// reported (`'name` on stdout, `file:line` and a caret on stderr) and stops
/// the script, and the session then carries on with standard input.
/// Returns `Some(code)` when the script exits.
fn run_script(s: &mut Session, file: &str) -> Option<i32> {
    // a database directory: q changes to it and loads it (so that `\l .`
    // reloads it later)
    if std::path::Path::new(file).is_dir() {
        if let Err(e) = std::env::set_current_dir(file) {
            println!("'{file}");
            eprintln!("  cannot change to the database directory: {e}");
            return None;
        }
        return match s.run("\\l .", Origin::Console, false) {
            Flow::Exit(c) => Some(c),
            _ => None,
        };
    }
    let text = match std::fs::read(file) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            println!("'{file}");
            eprintln!("  cannot read script: {e}");
            return None;
        }
    };
    for chunk in qparser::script::chunks(&text) {
        let origin = Origin::Script {
            file,
            line: chunk.line,
        };
        match s.run(&chunk.text, origin, false) {
            Flow::Ok => {}
            Flow::Failed => return None,
            Flow::Exit(code) => return Some(code),
        }
    }
    None
}
