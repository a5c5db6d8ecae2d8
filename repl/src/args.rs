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
    /// `-p port`: listen for IPC connections (served by the IPC issue).
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
    /// `-u`: clients may not access files outside the startup directory.
    pub restrict: bool,
    /// `-u 1`: nor run system commands.
    pub restrict_system: bool,
    /// `-w MB`: the workspace (heap) limit; 0 is no limit.
    pub workspace_mb: Option<u64>,
}

/// Flags that take one value and are accepted but not acted on yet:
/// `-s` secondary threads, `-T` timeout, `-e` error trap, `-o` UTC offset,
/// `-l`/`-L` log.
const IGNORED_WITH_VALUE: &[&str] = &["-s", "-T", "-e", "-o", "-E"];
/// Flags without a value that are accepted but not acted on yet.
const IGNORED_BARE: &[&str] = &["-b", "-l", "-L"];

/// One-line usage text for errors.
pub const USAGE: &str = "usage: borf [FILE.q|DIR] [-p port] [-t ms] [-c rows cols] [-P digits] [-s n] [-w MB] [-q] [ARGS...]";

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
        match a {
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
            "-c" | "-C" => {
                let rows = value(i, a)?;
                let cols = value(i + 1, a)?;
                if a == "-c" {
                    o.console = Some((rows, cols));
                }
                i += 3;
            }
            "-u" | "-U" => {
                let v = value(i, a)?;
                // -u restricts clients' file access; -u 1 has no password file
                o.restrict = a == "-u";
                if a == "-u" && v == "1" {
                    o.restrict_system = true;
                } else {
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
            _ if IGNORED_WITH_VALUE.contains(&a) => {
                value(i, a)?;
                i += 2;
            }
            _ if IGNORED_BARE.contains(&a) => i += 1,
            _ if o.script.is_some() => {
                o.script_args.push(a.to_string());
                i += 1;
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
}
