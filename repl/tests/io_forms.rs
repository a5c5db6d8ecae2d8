//! Issue 13's I/O and IPC forms end to end: `hopen`:fifo://` on a real
//! named pipe, `read0 0` from standard input, and a listener on a
//! negative port (q's multithreaded input mode, with its restrictions).

use std::io::Write;
use std::process::{Child, Command, Stdio};

mod common;
use common::free_port;
use common::run_borf_with;
use common::wait_accepting;

/// The output lines without the frame and caret lines of q's error display.
fn lines(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| !l.starts_with("  [") && l.trim() != "^")
        .map(str::to_string)
        .collect()
}

#[test]
fn fifo_reads_what_a_writer_sends() {
    let dir = std::env::temp_dir().join(format!("borf-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("pipe");
    let _ = std::fs::remove_file(&fifo);
    let ok = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(ok.success());
    // the writer holds the pipe open (read-write: no wait for a reader)
    // with data in it, and closes it a little later: the reader's last
    // read blocks until then and sees the end
    let w = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    (&w).write_all(b"first line\r\nsecond\nabcdef").unwrap();
    let closer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        drop(w);
    });
    let out = run_borf_with(
        &[],
        &format!(
            "h:hopen `$\":fifo://{}\"\n\
             read0 h\n\
             read0 h\n\
             \"c\"$read1 (h;3)\n\
             read0 (h;2)\n\
             read1 h\n\
             read1 h\n\
             hclose h\n",
            fifo.display()
        ),
    );
    closer.join().unwrap();
    let l = lines(&out);
    assert_eq!(
        l,
        [
            "\"first line\"",
            "\"second\"",
            "\"abc\"",
            "\"de\"",
            ",0x66",
            "`byte$()",
        ],
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn read0_0_reads_the_next_console_line() {
    let out = run_borf_with(
        &["-q"],
        "a:read0 0\nwhatever it says\na\nb:read0 0\n\nb\ncount read0 0\n",
    );
    assert_eq!(lines(&out), ["\"whatever it says\"", "\"\"", "0"], "{out}");
}

/// A server process; killed on drop.
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn negative_port_serves_with_multithreaded_input_restrictions() {
    let port = free_port();
    // the definitions as a script, which runs before the event loop serves
    // anyone (lines on standard input share that loop with the clients, so
    // a client could come first)
    let script = std::env::temp_dir().join(format!("borf_negport_{}.q", std::process::id()));
    std::fs::write(
        &script,
        "a:1\nf:{a+x}\npo:0\n.z.po:{`po set 1}\n.z.pc:{`pc set 1}\nlocal:{a::x}\n",
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_borf"))
        .arg(&script)
        .arg("-p")
        .arg(format!("-{port}"))
        .env_remove("BORF_TEST_SEPARATOR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _srv = Server { child };
    wait_accepting(port);
    let other = free_port();
    let out = run_borf_with(
        &[],
        &format!(
            "h:hopen `:localhost:{port}\n\
             h\"f 1\"\n\
             h\"a:5\"\n\
             h\"local 7\"\n\
             h\"a\"\n\
             h\"system\\\"p\\\"\"\n\
             h\"po\"\n\
             h\"hopen {other}\"\n\
             h\"c:1\"\n\
             h\"{{x+1}} 41\"\n\
             hclose h\n\
             h2:hopen `:localhost:{port}\n\
             h2\"`pc in key `.\"\n"
        ),
    );
    assert_eq!(
        lines(&out),
        [
            "2",
            "'noupdate",
            "'noupdate",
            "1",
            format!("-{port}i").as_str(),
            "0",
            "'nosocket",
            "'noupdate",
            "42",
            "0b",
        ],
        "{out}"
    );
    let _ = std::fs::remove_file(&script);
}
