//! The login handshake's bytes.
//!
//! A client sends `user:password`, one capability byte and a NUL; a server
//! that accepts answers with one byte, the capability both speak, and one
//! that refuses closes the socket. Clients of kdb+ v2.5 send no capability
//! byte. Reading the bytes off a socket is the connection code's business;
//! what they mean is decided here.

/// The capability this side speaks: 3 (kdb+ v3.0: GUIDs, no messages over
/// 2 GB).
pub const CAPABILITY: u8 = 3;

/// Longest credential text accepted before the NUL; a longer one is
/// garbage, not a login.
pub const MAX_CREDENTIALS: usize = 1024;

/// What a client sent to log in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    /// Text before the first `:` (all of it when there is none).
    pub user: String,
    /// Text after the first `:`.
    pub password: String,
    /// The client's capability byte (0 when it sent none).
    pub capability: u8,
}

/// Interprets the bytes a client sent before its NUL. A last byte below 32
/// is the capability byte (no printable credential ends in one).
pub fn parse_login(bytes: &[u8]) -> Login {
    let (text, capability) = match bytes.split_last() {
        Some((&c, rest)) if c < 32 => (rest, c),
        _ => (bytes, 0),
    };
    let text = String::from_utf8_lossy(text);
    let (user, password) = match text.split_once(':') {
        Some((u, p)) => (u.to_string(), p.to_string()),
        None => (text.into_owned(), String::new()),
    };
    Login {
        user,
        password,
        capability,
    }
}

/// The bytes a client sends: `credentials` (`user:password`, possibly
/// empty), the capability byte, NUL. NUL bytes inside the credentials are
/// dropped (they would end the login early).
pub fn client_hello(credentials: &str, capability: u8) -> Vec<u8> {
    let mut b: Vec<u8> = credentials.bytes().filter(|&c| c != 0).collect();
    b.extend_from_slice(&[capability, 0]);
    b
}

/// The capability a server answers with: the lower of the two.
pub fn common_capability(client: u8) -> u8 {
    client.min(CAPABILITY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_as_clients_send_them() {
        // qPython / node-q: capability 3; node-q's anonymous user has no colon
        let l = parse_login(b"alice:secret\x03");
        assert_eq!(
            (l.user.as_str(), l.password.as_str(), l.capability),
            ("alice", "secret", 3)
        );
        let l = parse_login(b"anonymous\x03");
        assert_eq!((l.user.as_str(), l.password.as_str()), ("anonymous", ""));
        // empty credentials, PyKX's capability 6
        let l = parse_login(b"\x06");
        assert_eq!((l.user.as_str(), l.capability), ("", 6));
        // v2.5: no capability byte; a password may hold a colon
        let l = parse_login(b"u:p:q");
        assert_eq!((l.password.as_str(), l.capability), ("p:q", 0));
        assert_eq!(parse_login(b"").capability, 0);
    }

    #[test]
    fn hello_bytes() {
        assert_eq!(client_hello("", 3), vec![3, 0]);
        assert_eq!(client_hello("u:p", 3), b"u:p\x03\x00".to_vec());
        assert_eq!(client_hello("a\0b", 1), b"ab\x01\x00".to_vec());
        assert_eq!(common_capability(6), 3);
        assert_eq!(common_capability(1), 1);
    }
}
