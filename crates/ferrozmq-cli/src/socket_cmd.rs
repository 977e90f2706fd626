//! `ferrozmq req|rep|pub|sub|push|pull|pair|dealer|router|xpub|xsub`: one socket between the shell and
//! the network.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use bytes::Bytes;
use ferrozmq::{Context, Error, PollItem, Socket, SocketType, POLLIN};

use crate::error::usage;
use crate::message::{self, Format, InputMode, Message, MessageReader, Printer};

/// Arguments shared by every socket subcommand.
#[derive(Debug, clap::Args)]
pub(crate) struct SocketArgs {
    /// Bind to ENDPOINT (repeatable): tcp://*:5555, tcp://127.0.0.1:* (the OS picks a port, printed on
    /// stderr), ipc:///tmp/feed, ipc://@name, inproc://name.
    #[arg(short, long = "bind", value_name = "ENDPOINT")]
    pub(crate) bind: Vec<String>,
    /// Connect to ENDPOINT (repeatable); the peer need not be there yet.
    #[arg(short, long = "connect", value_name = "ENDPOINT")]
    pub(crate) connect: Vec<String>,
    /// Subscribe to messages starting with PREFIX (sub, xsub; repeatable). A sub without it receives
    /// everything.
    #[arg(short, long, value_name = "PREFIX")]
    subscribe: Vec<String>,
    /// Stop after N messages: round trips for req, messages sent for pub and push, messages received
    /// for the others.
    #[arg(short = 'n', long, value_name = "N")]
    count: Option<u64>,
    /// Give up when a message does not come (or cannot be sent) within MS milliseconds. Waiting for a
    /// reply is then an error; receivers stop (an error only if --count is not reached).
    #[arg(short, long, value_name = "MS")]
    timeout: Option<u32>,
    /// High-water mark in messages, for sending and receiving (0 = no limit; default 1000).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    hwm: Option<i32>,
    /// How long to keep sending queued messages after the end, in ms (-1 = until sent).
    #[arg(long, value_name = "MS", default_value_t = -1, allow_negative_numbers = true)]
    linger: i32,
    /// The routing id (ZMQ_IDENTITY) peers know this socket by.
    #[arg(long, value_name = "ID")]
    identity: Option<String>,
    /// Send TEXT instead of reading stdin (repeatable; split by --separator with --multipart).
    #[arg(short, long = "message", value_name = "TEXT")]
    messages: Vec<String>,
    /// Input lines are multipart messages, frames separated by --separator.
    #[arg(long)]
    multipart: bool,
    /// Separates frames in --multipart input, and in text and hex output.
    #[arg(long, value_name = "SEP", default_value = "|")]
    separator: String,
    /// Input is binary: frames in ZMTP 3 encoding (flags byte with MORE=0x01 and LONG=0x02, then a
    /// 1-byte or, with LONG, 8-byte big-endian size, then the body); as `--format raw` writes.
    #[arg(long, conflicts_with = "multipart")]
    raw: bool,
    /// How received messages are printed.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Print messages without their routing envelope (the frames up to the first empty one; a
    /// ROUTER's peer id).
    #[arg(long)]
    no_envelope: bool,
    /// Reply TEXT to every message received (rep, router, dealer, pair).
    #[arg(long, value_name = "TEXT")]
    reply: Option<String>,
    /// Send every message received back to its sender (rep does this by default; router, dealer, pair).
    #[arg(long, conflicts_with = "reply")]
    echo: bool,
}

impl SocketArgs {
    fn input_mode(&self) -> InputMode {
        if self.raw {
            InputMode::Raw
        } else if self.multipart {
            InputMode::Multipart(self.separator.as_bytes().to_vec())
        } else {
            InputMode::Lines
        }
    }

    fn timeout(&self) -> Option<Duration> {
        self.timeout.map(|ms| Duration::from_millis(ms.into()))
    }
}

/// Socket options the socket and device subcommands set.
#[derive(Debug, Default, Clone)]
pub(crate) struct SocketOptions {
    /// SNDHWM and RCVHWM.
    pub(crate) hwm: Option<i32>,
    /// LINGER, ms.
    pub(crate) linger: Option<i32>,
    /// ROUTING_ID.
    pub(crate) identity: Option<String>,
    /// RCVTIMEO and SNDTIMEO, ms.
    pub(crate) timeout: Option<u32>,
    /// SUBSCRIBE prefixes (SUB only; XSUB subscriptions are messages).
    pub(crate) subscribe: Vec<String>,
    /// Do not print the endpoints the OS chose.
    pub(crate) quiet: bool,
}

/// Creates a socket, sets its options, binds and connects it. Every failure is the user's (exit code 2):
/// an unsupported socket type, a bad option value, a malformed or unusable endpoint.
pub(crate) fn open_socket(
    ctx: &Context,
    ty: SocketType,
    binds: &[String],
    connects: &[String],
    o: &SocketOptions,
) -> anyhow::Result<Socket> {
    let name = ty.as_str().to_ascii_lowercase();
    let socket = ctx
        .socket(ty)
        .map_err(|e| usage(format!("cannot create a {name} socket: {e}")))?;
    let option = |what: &str, r: ferrozmq::Result<()>| {
        r.map_err(|e| usage(format!("bad {what} for {name}: {e}")))
    };
    if let Some(hwm) = o.hwm {
        option("--hwm", socket.set_sndhwm(hwm))?;
        option("--hwm", socket.set_rcvhwm(hwm))?;
    }
    if let Some(linger) = o.linger {
        option("--linger", socket.set_linger(linger))?;
    }
    if let Some(id) = &o.identity {
        option("--identity", socket.set_routing_id(id.as_bytes()))?;
    }
    if let Some(ms) = o.timeout {
        let ms = i32::try_from(ms).map_err(|_| usage("--timeout is too large"))?;
        option("--timeout", socket.set_rcvtimeo(ms))?;
        option("--timeout", socket.set_sndtimeo(ms))?;
    }
    for prefix in &o.subscribe {
        option("--subscribe", socket.set_subscribe(prefix.as_bytes()))?;
    }
    for ep in binds {
        socket
            .bind(ep)
            .map_err(|e| usage(format!("cannot bind {name} to {ep}: {e}")))?;
        let resolved = socket.last_endpoint();
        if resolved != *ep && !o.quiet {
            eprintln!("ferrozmq: {name} bound to {resolved}");
        }
    }
    for ep in connects {
        socket
            .connect(ep)
            .map_err(|e| usage(format!("cannot connect {name} to {ep}: {e}")))?;
    }
    Ok(socket)
}

/// Whether sockets of this type can receive.
pub(crate) fn can_recv(ty: SocketType) -> bool {
    !matches!(ty, SocketType::Pub | SocketType::Push)
}

/// Whether sockets of this type can send.
pub(crate) fn can_send(ty: SocketType) -> bool {
    !matches!(ty, SocketType::Sub | SocketType::Pull)
}

fn check_args(ty: SocketType, a: &SocketArgs) -> anyhow::Result<()> {
    let name = ty.as_str().to_ascii_lowercase();
    if a.bind.is_empty() && a.connect.is_empty() {
        return Err(usage(format!(
            "{name} needs at least one --bind or --connect endpoint"
        )));
    }
    if !a.subscribe.is_empty() && !matches!(ty, SocketType::Sub | SocketType::XSub) {
        return Err(usage(format!(
            "--subscribe applies to sub and xsub, not {name}"
        )));
    }
    let serves = matches!(
        ty,
        SocketType::Rep | SocketType::Router | SocketType::Dealer | SocketType::Pair
    );
    if (a.reply.is_some() || a.echo) && !serves {
        return Err(usage(format!(
            "--reply and --echo apply to rep, router, dealer and pair, not {name}"
        )));
    }
    if !a.messages.is_empty() && !can_send(ty) {
        return Err(usage(format!(
            "{name} cannot send: --message does not apply"
        )));
    }
    if a.separator.is_empty() && (a.multipart || a.format != Format::Raw) {
        return Err(usage("--separator must not be empty"));
    }
    Ok(())
}

/// Runs one socket subcommand.
pub(crate) fn run(ty: SocketType, a: &SocketArgs) -> anyhow::Result<()> {
    check_args(ty, a)?;
    let ctx = Context::new();
    let options = SocketOptions {
        hwm: a.hwm,
        linger: Some(a.linger),
        identity: a.identity.clone(),
        timeout: a.timeout,
        subscribe: if ty == SocketType::Sub && a.subscribe.is_empty() {
            vec![String::new()]
        } else if ty == SocketType::Sub {
            a.subscribe.clone()
        } else {
            Vec::new()
        },
        quiet: false,
    };
    let socket = open_socket(&ctx, ty, &a.bind, &a.connect, &options)?;
    if ty == SocketType::XSub {
        for prefix in &a.subscribe {
            let mut m = vec![1u8];
            m.extend_from_slice(prefix.as_bytes());
            send(&socket, vec![Bytes::from(m)], a)?;
        }
    }
    let stdout = io::stdout();
    let mut printer = Printer::new(stdout.lock(), a.format, &a.separator);
    let router = ty == SocketType::Router;
    let mut print = |msg: &Message| -> io::Result<()> {
        if a.no_envelope {
            printer.print(message::strip_envelope(msg, router))
        } else {
            printer.print(msg)
        }
    };
    match ty {
        SocketType::Req => {
            for msg in input(a).take(limit(a)) {
                send(&socket, msg?, a)?;
                let reply = recv(&socket, a)?
                    .ok_or_else(|| anyhow!("no reply within {} ms", timeout_ms(a)))?;
                print(&reply)?;
            }
        }
        SocketType::Pub | SocketType::Push => {
            for msg in input(a).take(limit(a)) {
                send(&socket, msg?, a)?;
            }
        }
        SocketType::Rep | SocketType::Sub | SocketType::Pull => {
            let mut done = 0;
            while a.count.is_none_or(|n| done < n) {
                let Some(msg) = recv(&socket, a)? else {
                    return timed_out(a, done);
                };
                print(&msg)?;
                done += 1;
                if ty == SocketType::Rep {
                    let reply = match &a.reply {
                        Some(text) => a.input_mode().split_line(text.as_bytes()),
                        None => msg,
                    };
                    send(&socket, reply, a)?;
                }
            }
        }
        _ => duplex(ty, &socket, a, &mut print)?,
    }
    drop(socket);
    Ok(())
}

/// The input messages: `--message`s, or stdin.
fn input(a: &SocketArgs) -> Box<dyn Iterator<Item = io::Result<Message>> + Send> {
    if a.messages.is_empty() {
        Box::new(MessageReader::new(
            io::BufReader::new(io::stdin()),
            a.input_mode(),
        ))
    } else {
        let mode = a.input_mode();
        let msgs: Vec<Message> = a
            .messages
            .iter()
            .map(|m| mode.split_line(m.as_bytes()))
            .collect();
        Box::new(msgs.into_iter().map(Ok))
    }
}

/// How many input messages to send at most.
fn limit(a: &SocketArgs) -> usize {
    a.count
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

fn timeout_ms(a: &SocketArgs) -> u32 {
    a.timeout.unwrap_or(0)
}

/// The end of a receive loop by timeout: fine unless `--count` was not reached.
fn timed_out(a: &SocketArgs, done: u64) -> anyhow::Result<()> {
    match a.count {
        Some(n) if done < n => Err(anyhow!(
            "timed out: nothing received for {} ms ({done} of {n} messages)",
            timeout_ms(a)
        )),
        _ => Ok(()),
    }
}

fn send(socket: &Socket, msg: Message, a: &SocketArgs) -> anyhow::Result<()> {
    match socket.send_multipart(msg, 0) {
        Ok(()) => Ok(()),
        Err(Error::Again) => Err(anyhow!("could not send within {} ms", timeout_ms(a))),
        Err(e) => Err(e).context("send failed"),
    }
}

/// Receives a message; `None` when the timeout expired.
fn recv(socket: &Socket, a: &SocketArgs) -> anyhow::Result<Option<Message>> {
    let _ = a;
    match socket.recv_multipart(0) {
        Ok(msg) => Ok(Some(msg)),
        Err(Error::Again) => Ok(None),
        Err(e) => Err(e).context("receive failed"),
    }
}

/// What the stdin thread tells the main loop, in the first frame of each message it sends.
const TAG_MESSAGE: &[u8] = b"m";
const TAG_END: &[u8] = b"e";
const TAG_ERROR: &[u8] = b"x";

/// Sending and receiving at once (pair, dealer, router, xpub, xsub): a thread reads the input and
/// passes each message over an inproc PUSH/PULL pair; the main thread polls that and the network socket.
fn duplex(
    ty: SocketType,
    socket: &Socket,
    a: &SocketArgs,
    print: &mut dyn FnMut(&Message) -> io::Result<()>,
) -> anyhow::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "inproc://ferrozmq-cli-input-{}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    // A context of their own: the feeder may outlive this function (blocked reading stdin), and a socket
    // still open in the network socket's context would keep that context from waiting for LINGER at exit.
    let input_ctx = Context::new();
    let inbox = input_ctx.socket(SocketType::Pull)?;
    inbox.bind(&name)?;
    let feeder = input_ctx.socket(SocketType::Push)?;
    feeder.connect(&name)?;
    let messages = input(a);
    // The thread is not joined: it may be blocked reading stdin when the loop ends.
    thread::spawn(move || {
        for msg in messages {
            let sent = match msg {
                Ok(msg) => feeder.send_multipart(
                    std::iter::once(Bytes::from_static(TAG_MESSAGE)).chain(msg),
                    0,
                ),
                Err(e) => feeder.send_multipart(
                    [Bytes::from_static(TAG_ERROR), Bytes::from(e.to_string())],
                    0,
                ),
            };
            if sent.is_err() {
                return;
            }
        }
        let _ = feeder.send(TAG_END, 0);
    });

    let serve_reply = a
        .reply
        .as_ref()
        .map(|text| a.input_mode().split_line(text.as_bytes()));
    let router = ty == SocketType::Router;
    let mut input_open = true;
    let mut received = 0u64;
    while a.count.is_none_or(|n| received < n) {
        let mut items = vec![PollItem::new(socket, POLLIN)];
        if input_open {
            items.push(PollItem::new(&inbox, POLLIN));
        }
        if ferrozmq::poll(&mut items, a.timeout())? == 0 {
            return timed_out(a, received);
        }
        let (net_ready, input_ready) = (
            items[0].revents & POLLIN != 0,
            items.get(1).is_some_and(|i| i.revents & POLLIN != 0),
        );
        drop(items);
        if net_ready {
            let msg = socket.recv_multipart(0).context("receive failed")?;
            print(&msg)?;
            received += 1;
            if a.echo || serve_reply.is_some() {
                let mut reply = message::envelope(&msg, router).to_vec();
                match &serve_reply {
                    Some(r) => reply.extend(r.iter().cloned()),
                    None => reply.extend_from_slice(message::strip_envelope(&msg, router)),
                }
                send(socket, reply, a)?;
            }
        }
        if input_ready {
            let mut msg = inbox.recv_multipart(0)?;
            let tag = msg.remove(0);
            match &tag[..] {
                TAG_MESSAGE => send(socket, msg, a)?,
                TAG_ERROR => {
                    let why = msg
                        .first()
                        .map(|m| String::from_utf8_lossy(m).into_owned())
                        .unwrap_or_default();
                    return Err(anyhow!("reading input: {why}"));
                }
                _ => input_open = false,
            }
        }
    }
    io::stdout().flush()?;
    Ok(())
}
