//! The command line: `borf [FILE.q] [-flags] [ARGS]`, as q reads it.
//!
//! q's own flags are consumed wherever they appear; the first argument that
//! is not a flag names the script. Anything else after the script (custom
//! `-name value` pairs, plain words) is kept for the script as `.z.x`, as q
//! does (`.Q.opt .z.x` is the usual way to read them). Without a script an
//! unknown flag is an error.

/// What the command line asked for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    /// The script to run first (`.z.f`).
    pub script: Option<String>,
    /// Arguments left for the script (`.z.x`).
    pub script_args: Vec<String>,
    /// `-p port`: listen for IPC connections.
    pub port: Option<String>,
    /// `-c rows cols`: console size.
    pub console: Option<(String, String)>,
    /// `-P n`: display precision.
    pub precision: Option<String>,
    /// `-q`: quiet, no banner.
    pub quiet: bool,
    /// `-u file` / `-U file`: IPC password file.
    pub users: Option<String>,
    /// `-t ms`: the timer interval (`\t`).
    pub timer: Option<String>,
    /// `-u` (`-u 1` or `-u file`): clients may run no system command and use
    /// no file outside the directory tree.
    pub restrict: bool,
    /// `-b`: clients may not write globals (`'noupdate`), `hdel`, or `hopen`
    /// a file.
    pub block_writes: bool,
    /// `-s N`: most secondary threads (`\s` may set up to this many);
    /// negative: peach on the secondary processes of `.z.pd`.
    pub secondary: Option<String>,
    /// The system commands flags stand for, run in order before the script:
    /// `-e` `\e`, `-o` `\o`, `-T` `\T`, `-S` `\S`, `-W` `\W`, `-z` `\z`,
    /// `-g` `\g`.
    pub commands: Vec<String>,
    /// `-h`, `--help`: print the usage and exit.
    pub help: bool,
    /// `-w MB`: the workspace (heap) limit; 0 is no limit.
    pub workspace_mb: Option<u64>,
}

/// q's flags that stand for a system command of the same letter, and take
/// its value.
const AS_COMMAND: &[&str] = &["-o", "-T", "-S", "-W", "-z", "-g"];

/// q flags borf refuses, with the reason.
const REFUSED: &[(&str, &str)] = &[
    (
        "-l",
        "update logging (-l) is not supported: log updates with a tickerplant-style journal (hopen a log file, h enlist x, -11! to replay)",
    ),
    (
        "-L",
        "update logging (-L) is not supported: log updates with a tickerplant-style journal (hopen a log file, h enlist x, -11! to replay)",
    ),
    ("-m", "memory domains (-m) are not supported"),
    ("-r", "replication (-r) is not supported"),
];

/// One-line usage text for errors.
pub const USAGE: &str = "usage: borf [FILE.q|DIR] [-p port] [-t ms] [-c rows cols] [-P digits] [-u|-U file] [-q] [-h] [flags] [ARGS...]  (borf -h lists the flags)";

/// `borf -h`: every flag.
pub const HELP: &str = "\
usage: borf [FILE.q|DIR] [flags] [ARGS...]

  FILE.q|DIR    script to run first, or a database directory to load
  ARGS          after the script: kept for it as .z.x (.Q.opt .z.x)

flags (as q's):
  -b            block client writes: assignment 'noupdate, no hdel, no hopen of a file
  -c r c        console size (\\c)
  -C r c        web server display size (\\C): rows cols of .z.ph pages and .h.jx
  -e [0|1|2]    error trap mode (\\e; -e alone is 1): 1 suspends console errors at q))
  -E 0          TLS server mode: 0 (plain) only; 1 and 2 are refused (no TLS)
  -g 0|1        garbage collection mode (\\g; borf returns memory at once)
  -o N          offset from UTC in hours, or minutes when abs N>23 (\\o)
  -p port       listen for kdb+ IPC clients ([host:]port) (\\p)
  -P N          display precision (\\P)
  -q            quiet: no banner
  -s N          secondary threads for peach and .Q.fc, most that \\s may set
                (negative: secondary processes, handles in .z.pd)
  -S N          random seed (\\S)
  -t N          timer interval in milliseconds (\\t, .z.ts)
  -T N          client request timeout in seconds (\\T)
  -u 1          clients: no system commands, exit, hdel, hopen of a file, and no
                file access outside the directory tree
  -u file       -u 1 and -U file
  -U file       password file (user:password, plain or MD5/SHA-1 hex); disables \\x
  -w N          workspace limit in MB (\\w)
  -W N          start of week, 0 Saturday (\\W)
  -z 0|1        date parsing order: 0 mm/dd/yyyy, 1 dd/mm/yyyy (\\z)
  -h, --help    this text

refused: -l -L (update logging), -m (memory domain), -r (replication),
  -C (HTTP size), -E 1|2 (TLS)
";

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut i = 0;
    let value = |i: usize, flag: &str| -> Result<String, String> {
        args.get(i + 1)
            .cloned()
            .ok_or_else(|| format!("{flag} needs a value"))
    };
    while i < args.len() {
        let a = args[i].as_str();
        // after the script, anything not q's is the script's
        let ours = matches!(
            a,
            "-p" | "-t"
                | "-P"
                | "-c"
                | "-C"
                | "-u"
                | "-U"
                | "-q"
                | "-b"
                | "-e"
                | "-E"
                | "-s"
                | "-w"
                | "-h"
                | "--help"
        ) || AS_COMMAND.contains(&a)
            || REFUSED.iter().any(|(f, _)| *f == a);
        if o.script.is_some() && !ours {
            // (a word that is not a flag, or a flag of the script's own)
            o.script_args.push(a.to_string());
            i += 1;
            continue;
        }
        match a {
            "-h" | "--help" => {
                o.help = true;
                i += 1;
            }
            "-p" => {
                o.port = Some(value(i, a)?);
                i += 2;
            }
            "-t" => {
                o.timer = Some(value(i, a)?);
                i += 2;
            }
            "-P" => {
                o.precision = Some(value(i, a)?);
                i += 2;
            }
            "-c" => {
                let rows = value(i, a)?;
                let cols = value(i + 1, a)?;
                o.console = Some((rows, cols));
                i += 3;
            }
            "-C" => {
                let rows = value(i, a)?;
                let cols = value(i + 1, a)?;
                o.commands.push(format!("C {rows} {cols}"));
                i += 3;
            }
            "-u" | "-U" => {
                let v = value(i, a)?;
                // -u 1: no password file; -u file: -u 1 and -U file
                if a == "-u" {
                    o.restrict = true;
                }
                if !(a == "-u" && v == "1") {
                    o.users = Some(v);
                }
                i += 2;
            }
            "-w" => {
                let v = value(i, a)?;
                let mb = v
                    .parse::<u64>()
                    .map_err(|_| format!("-w needs a number of megabytes, not {v}"))?;
                o.workspace_mb = Some(mb);
                i += 2;
            }
            "-q" => {
                o.quiet = true;
                i += 1;
            }
            "-b" => {
                o.block_writes = true;
                i += 1;
            }
            "-e" => {
                // -e [0|1|2]: the mode is optional (alone: 1)
                match args.get(i + 1).map(String::as_str) {
                    Some(m @ ("0" | "1" | "2")) => {
                        o.commands.push(format!("e {m}"));
                        i += 2;
                    }
                    _ => {
                        o.commands.push("e 1".into());
                        i += 1;
                    }
                }
            }
            "-E" => {
                let v = value(i, a)?;
                if v.trim() != "0" {
                    return Err(format!(
                        "-E {v}: TLS is not supported (borf serves plain connections only: put a TLS proxy in front of it)"
                    ));
                }
                i += 2;
            }
            "-s" => {
                o.secondary = Some(value(i, a)?);
                i += 2;
            }
            _ if AS_COMMAND.contains(&a) => {
                let v = value(i, a)?;
                o.commands.push(format!("{} {v}", &a[1..]));
                i += 2;
            }
            _ if REFUSED.iter().any(|(f, _)| *f == a) => {
                let why = REFUSED.iter().find(|(f, _)| *f == a).map_or("", |r| r.1);
                return Err(why.to_string());
            }
            _ if a.starts_with('-') && a.len() > 1 => {
                return Err(format!("unknown flag {a}"));
            }
            _ => {
                o.script = Some(a.to_string());
                i += 1;
            }
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Options, String> {
        let v: Vec<String> = s.split_whitespace().map(String::from).collect();
        parse(&v)
    }

    #[test]
    fn flags_and_script() {
        let o = p("x.q -p 5001 -abc 123 -c 10 40 more").unwrap();
        assert_eq!(o.script.as_deref(), Some("x.q"));
        assert_eq!(o.port.as_deref(), Some("5001"));
        assert_eq!(o.console, Some(("10".into(), "40".into())));
        assert_eq!(o.script_args, vec!["-abc", "123", "more"]);
    }

    #[test]
    fn flags_before_script() {
        let o = p("-s 4 -q run.q a").unwrap();
        assert_eq!(o.script.as_deref(), Some("run.q"));
        assert!(o.quiet);
        assert_eq!(o.script_args, vec!["a"]);
    }

    #[test]
    fn workspace_limit() {
        assert_eq!(p("-w 100").unwrap().workspace_mb, Some(100));
        assert!(p("-w").is_err());
        assert!(p("-w lots").is_err());
        assert!(p("-w -5").is_err());
    }

    #[test]
    fn errors() {
        assert!(p("-zz").is_err());
        assert!(p("-p").is_err());
        assert!(p("-c 10").is_err());
        assert_eq!(p("").unwrap(), Options::default());
    }

    #[test]
    fn flags_as_system_commands() {
        let o = p("-e -o -5 -T 10 -S 42 -W 3 -z 1 -g 1 -e 2 x.q -e 0").unwrap();
        assert_eq!(
            o.commands,
            vec![
                "e 1", "o -5", "T 10", "S 42", "W 3", "z 1", "g 1", "e 2", "e 0"
            ]
        );
        assert_eq!(o.script.as_deref(), Some("x.q"));
        assert!(o.script_args.is_empty());
    }

    #[test]
    fn users_and_restriction() {
        let o = p("-u 1").unwrap();
        assert!(o.restrict && o.users.is_none());
        let o = p("-u pw.txt").unwrap();
        assert!(o.restrict && o.users.as_deref() == Some("pw.txt"));
        let o = p("-U pw.txt").unwrap();
        assert!(!o.restrict && o.users.as_deref() == Some("pw.txt"));
    }

    #[test]
    fn refused_flags_say_why() {
        for f in ["-l", "-L", "-m x", "-r :h:1", "-E 1", "-E 2"] {
            let e = p(f).unwrap_err();
            assert!(
                e.contains("not supported") || e.contains("not served"),
                "{f}: {e}"
            );
        }
        assert!(p("-E 0").is_ok());
        assert_eq!(
            p("-C 20 100").unwrap().commands,
            vec!["C 20 100".to_string()]
        );
        assert!(p("-b -s 4 -w 100").is_ok());
        assert!(p("--help").unwrap().help);
        assert!(p("-h").unwrap().help);
    }
}
