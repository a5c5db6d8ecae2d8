//! The process's one event loop, as q has it: the interpreter thread owns
//! the `Interp` and serves, strictly one at a time, chunks from the console
//! (or pipe) thread and messages from IPC connections. The console thread
//! sends a chunk and waits for it to finish (so output and prompt stay in
//! order); connection readers send checked, decompressed messages and
//! never wait, the interpreter thread decoding them and writing responses
//! itself. Messages arriving on connections this process opened (`hopen`)
//! come the same way, so a subscriber's tables grow while it sits idle; and
//! between events the timer runs `.z.ts` when it is due (`\t`, `-t`).
//!
//! An evaluation suspended at the `q))` debugger prompt reads its lines
//! from the same queue, on the interpreter thread, from inside the chunk
//! that suspended ([`debug_input`]): the reply to that chunk goes out
//! first, with the prompt's nesting level, so the console shows `q))`
//! and sends the next line.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use qengine::ipc;
use qengine::state::DebugInput;

use crate::session::{Flow, Origin, Session};

/// Queue depth between the readers and the interpreter: a flood of async
/// messages blocks its reader (back-pressure) rather than growing memory.
const QUEUE: usize = 4096;

/// The answer to a console chunk: how it ended, the global names for
/// completion when asked (`None` keeps the last ones), and the debugger's
/// nesting level the console now prompts at (0: `q)`, 1: `q))`, ...).
pub type Reply = (Flow, Option<Vec<String>>, usize);

/// Work for the interpreter thread.
pub enum Input {
    /// A console chunk and where to send its [`Reply`].
    Chunk {
        text: String,
        echo: bool,
        want_names: bool,
        reply: Sender<Reply>,
    },
    Ipc(ipc::Event),
    /// Standard input ended.
    End,
}

/// The console thread's handle on the interpreter.
pub struct Remote {
    tx: SyncSender<Input>,
    names: Vec<String>,
    pub want_names: bool,
    /// The `q))` nesting level after the last chunk (0: not suspended).
    pub level: usize,
}

impl Remote {
    /// Runs a chunk on the interpreter thread and waits for it.
    pub fn run(&mut self, text: &str, _origin: Origin<'_>, echo: bool) -> Flow {
        let (rtx, rrx) = mpsc::channel();
        let sent = self.tx.send(Input::Chunk {
            text: text.to_string(),
            echo,
            want_names: self.want_names,
            reply: rtx,
        });
        if sent.is_err() {
            return Flow::Exit(0);
        }
        match rrx.recv() {
            Ok((flow, names, level)) => {
                if let Some(n) = names
                    && self.want_names
                {
                    self.names = n;
                }
                self.level = level;
                flow
            }
            Err(_) => Flow::Exit(0),
        }
    }

    /// Global names as of the last chunk (console completion).
    pub fn names(&self) -> Vec<String> {
        self.names.clone()
    }
}

/// A channel for the loop, with the IPC sink installed in the session.
pub fn channel(s: &mut Session) -> (SyncSender<Input>, Receiver<Input>) {
    let (tx, rx) = mpsc::sync_channel(QUEUE);
    let t2 = tx.clone();
    s.it.ipc.sink = Some(Arc::new(move |e| t2.send(Input::Ipc(e)).is_ok()));
    (tx, rx)
}

/// The loop's queue, shared with the debugger's input ([`debug_input`]).
struct Queue {
    rx: Receiver<Input>,
    /// The reply owed for the console chunk being run.
    reply: Option<Sender<Reply>>,
    /// Standard input ended (the debugger may have taken the `End`).
    ended: bool,
}

fn lock(q: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    q.lock().unwrap_or_else(|p| p.into_inner())
}

/// The next line for the `q))` prompt at nesting `level`: answers the
/// chunk that is waiting (so the console prompts `q))`), then waits for
/// the next console chunk, handing over connection messages meanwhile.
fn debug_input(q: &Mutex<Queue>, level: usize) -> DebugInput {
    let mut g = lock(q);
    if let Some(r) = g.reply.take() {
        let _ = r.send((Flow::Ok, None, level));
    }
    if g.ended {
        return DebugInput::End;
    }
    match g.rx.recv() {
        Ok(Input::Chunk { text, reply, .. }) => {
            g.reply = Some(reply);
            DebugInput::Line(text)
        }
        Ok(Input::Ipc(e)) => DebugInput::Event(e),
        Ok(Input::End) | Err(_) => {
            g.ended = true;
            DebugInput::End
        }
    }
}

/// Starts the input thread (console or pipe, feeding chunks) and serves
/// the loop until exit. Returns the exit code.
pub fn serve(
    s: &mut Session,
    tx: SyncSender<Input>,
    rx: Receiver<Input>,
    input: impl FnOnce(&mut Remote) -> i32 + Send + 'static,
    console: bool,
) -> i32 {
    let t_end = tx.clone();
    let mut remote = Remote {
        tx,
        names: if console {
            crate::console::names_for_completion(&s.it)
        } else {
            Vec::new()
        },
        want_names: console,
        level: 0,
    };
    let queue = Arc::new(Mutex::new(Queue {
        rx,
        reply: None,
        ended: false,
    }));
    let q2 = queue.clone();
    s.it.debug.input = Some(Box::new(move |level| debug_input(&q2, level)));
    let spawned = std::thread::Builder::new()
        .name("borf-input".into())
        .spawn(move || {
            let code = input(&mut remote);
            let _ = t_end.send(Input::End);
            code
        });
    if spawned.is_err() {
        eprintln!("borf: cannot start the input thread");
        return 71;
    }
    let mut input_done = false;
    loop {
        if let Some(c) = run_timer(s) {
            return c;
        }
        let ev = {
            let g = lock(&queue);
            match s.it.ipc.timer_next {
                Some(next) => {
                    match g
                        .rx
                        .recv_timeout(next.saturating_duration_since(Instant::now()))
                    {
                        Ok(ev) => ev,
                        Err(RecvTimeoutError::Timeout) => continue,
                        Err(RecvTimeoutError::Disconnected) => return 0,
                    }
                }
                None => match g.rx.recv() {
                    Ok(ev) => ev,
                    Err(_) => return 0,
                },
            }
        };
        match ev {
            Input::Chunk {
                text,
                echo,
                want_names,
                reply,
            } => {
                lock(&queue).reply = Some(reply);
                let flow = s.run(&text, Origin::Console, echo);
                let names = want_names.then(|| crate::console::names_for_completion(&s.it));
                let mut g = lock(&queue);
                // the reply owed now: this chunk's, or the last line's
                // typed at a `q))` prompt that the chunk suspended at
                if let Some(r) = g.reply.take() {
                    let _ = r.send((flow, names, 0));
                }
                input_done |= g.ended;
                drop(g);
                if let Flow::Exit(c) = flow {
                    return c;
                }
            }
            Input::Ipc(e) => {
                ipc::handle_event(&mut s.it, e);
                if let Some(c) = s.it.exit_request {
                    return c;
                }
            }
            Input::End => input_done = true,
        }
        // standard input ended: a listener keeps the process serving (a
        // timer alone does not, as q)
        if input_done && !s.it.ipc.listening() {
            return 0;
        }
    }
}

/// Runs `.z.ts` when the timer is due, and schedules the next run (one
/// interval on; a run that overran is not made up). `Some(code)` when the
/// handler asked to exit.
fn run_timer(s: &mut Session) -> Option<i32> {
    let next = s.it.ipc.timer_next?;
    let now = Instant::now();
    if now < next {
        return None;
    }
    let every = Duration::from_millis(s.it.ipc.timer_ms.max(1) as u64);
    let mut after = next + every;
    if after <= now {
        after = now + every;
    }
    s.it.ipc.timer_next = Some(after);
    qengine::ipc::fire_timer(&mut s.it);
    s.it.exit_request
}
