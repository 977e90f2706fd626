//! The options a socket applies to its tcp connections and listeners (SNDBUF, RCVBUF, TCP_KEEPALIVE*,
//! TOS, CONNECT_TIMEOUT), kept in libzmq's encoding: -1 leaves the OS default.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::options::opt;

/// The tcp-level options of one socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TcpOptions {
    /// SO_SNDBUF, bytes; -1 the OS default.
    pub(crate) sndbuf: i32,
    /// SO_RCVBUF, bytes; -1 the OS default.
    pub(crate) rcvbuf: i32,
    /// SO_KEEPALIVE: 1, 0, or -1 (the OS default).
    pub(crate) keepalive: i32,
    /// TCP_KEEPCNT; -1 the OS default.
    pub(crate) keepalive_cnt: i32,
    /// TCP_KEEPIDLE, seconds; -1 the OS default.
    pub(crate) keepalive_idle: i32,
    /// TCP_KEEPINTVL, seconds; -1 the OS default.
    pub(crate) keepalive_intvl: i32,
    /// IP_TOS / IPV6_TCLASS; 0 leaves it alone.
    pub(crate) tos: i32,
    /// How long a connect may take; `None`: as long as the OS tries.
    pub(crate) connect_timeout: Option<Duration>,
}

impl Default for TcpOptions {
    fn default() -> Self {
        Self {
            sndbuf: -1,
            rcvbuf: -1,
            keepalive: -1,
            keepalive_cnt: -1,
            keepalive_idle: -1,
            keepalive_intvl: -1,
            tos: 0,
            connect_timeout: None,
        }
    }
}

/// An int option of at least `min`.
fn at_least(v: i64, min: i32) -> Result<i32> {
    i32::try_from(v)
        .ok()
        .filter(|v| *v >= min)
        .ok_or_else(|| Error::invalid(format!("the value must be an int of at least {min}")))
}

/// A keepalive parameter: -1 or positive.
fn keepalive_param(v: i64) -> Result<i32> {
    match at_least(v, -1)? {
        0 => Err(Error::invalid("the value must be -1 or positive")),
        v => Ok(v),
    }
}

impl TcpOptions {
    /// Sets one of these options; `Ok(false)` if `option` is not one of them.
    pub(crate) fn set_int(&mut self, option: i32, v: i64) -> Result<bool> {
        match option {
            opt::SNDBUF => self.sndbuf = at_least(v, -1)?,
            opt::RCVBUF => self.rcvbuf = at_least(v, -1)?,
            opt::TCP_KEEPALIVE => {
                self.keepalive = match at_least(v, -1)? {
                    v @ -1..=1 => v,
                    _ => return Err(Error::invalid("TCP_KEEPALIVE is -1, 0 or 1")),
                }
            }
            opt::TCP_KEEPALIVE_CNT => self.keepalive_cnt = keepalive_param(v)?,
            opt::TCP_KEEPALIVE_IDLE => self.keepalive_idle = keepalive_param(v)?,
            opt::TCP_KEEPALIVE_INTVL => self.keepalive_intvl = keepalive_param(v)?,
            opt::TOS => self.tos = at_least(v, 0)?,
            opt::CONNECT_TIMEOUT => {
                let ms = at_least(v, 0)?;
                self.connect_timeout = (ms > 0).then(|| Duration::from_millis(ms as u64));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Reads one of these options; `None` if `option` is not one of them.
    pub(crate) fn get_int(&self, option: i32) -> Option<i64> {
        Some(
            match option {
                opt::SNDBUF => self.sndbuf,
                opt::RCVBUF => self.rcvbuf,
                opt::TCP_KEEPALIVE => self.keepalive,
                opt::TCP_KEEPALIVE_CNT => self.keepalive_cnt,
                opt::TCP_KEEPALIVE_IDLE => self.keepalive_idle,
                opt::TCP_KEEPALIVE_INTVL => self.keepalive_intvl,
                opt::TOS => self.tos,
                opt::CONNECT_TIMEOUT => {
                    return Some(self.connect_timeout.map_or(0, |d| d.as_millis() as i64))
                }
                _ => return None,
            }
            .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation_as_libzmq() {
        let mut t = TcpOptions::default();
        for (o, v) in [
            (opt::SNDBUF, -1),
            (opt::RCVBUF, -1),
            (opt::TCP_KEEPALIVE, -1),
            (opt::TCP_KEEPALIVE_CNT, -1),
            (opt::TCP_KEEPALIVE_IDLE, -1),
            (opt::TCP_KEEPALIVE_INTVL, -1),
            (opt::TOS, 0),
            (opt::CONNECT_TIMEOUT, 0),
        ] {
            assert_eq!(t.get_int(o), Some(v), "option {o}");
        }
        assert!(t.set_int(opt::TCP_KEEPALIVE, 2).is_err());
        assert!(t.set_int(opt::TCP_KEEPALIVE_IDLE, 0).is_err());
        assert!(t.set_int(opt::SNDBUF, -2).is_err());
        assert!(t.set_int(opt::TOS, -1).is_err());
        assert!(t.set_int(opt::CONNECT_TIMEOUT, 250).unwrap());
        assert_eq!(t.get_int(opt::CONNECT_TIMEOUT), Some(250));
        assert!(!t.set_int(opt::LINGER, 0).unwrap());
    }
}
