//! Context options (`zmq_ctx_set` / `zmq_ctx_get`).

use ferrozmq::{ctx_opt, opt, Context, Error, SocketType};

#[test]
fn defaults_are_libzmqs() {
    let ctx = Context::new();
    assert_eq!(ctx.option(ctx_opt::IO_THREADS).unwrap(), 1);
    assert_eq!(ctx.option(ctx_opt::MAX_SOCKETS).unwrap(), 1023);
    assert_eq!(ctx.option(ctx_opt::SOCKET_LIMIT).unwrap(), 65_535);
    assert_eq!(ctx.option(ctx_opt::BLOCKY).unwrap(), 1);
    assert_eq!(ctx.option(ctx_opt::IPV6).unwrap(), 0);
    assert!(matches!(ctx.option(999), Err(Error::Invalid(_))));
}

#[test]
fn max_sockets_is_enforced() {
    let ctx = Context::new();
    ctx.set_option(ctx_opt::MAX_SOCKETS, 2).unwrap();
    let a = ctx.socket(SocketType::Push).unwrap();
    let _b = ctx.socket(SocketType::Pull).unwrap();
    let err = ctx.socket(SocketType::Pull).unwrap_err();
    assert!(matches!(err, Error::TooManySockets));
    assert_eq!(err.errno(), libc_emfile());
    drop(a);
    ctx.socket(SocketType::Pull).unwrap();
}

#[test]
fn blocky_and_ipv6_set_new_sockets_defaults() {
    let ctx = Context::new();
    ctx.set_option(ctx_opt::BLOCKY, 0).unwrap();
    ctx.set_option(ctx_opt::IPV6, 1).unwrap();
    let s = ctx.socket(SocketType::Req).unwrap();
    assert_eq!(s.option_int(opt::LINGER).unwrap(), 0);
    assert_eq!(s.option_int(opt::IPV6).unwrap(), 1);
}

#[test]
fn bad_values_are_invalid() {
    let ctx = Context::new();
    assert!(ctx.set_option(ctx_opt::MAX_SOCKETS, 0).is_err());
    assert!(ctx.set_option(ctx_opt::BLOCKY, 2).is_err());
    assert!(ctx.set_option(ctx_opt::SOCKET_LIMIT, 5).is_err());
}

/// EMFILE on Linux.
fn libc_emfile() -> i32 {
    24
}
