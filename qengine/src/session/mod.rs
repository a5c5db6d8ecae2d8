//! The session: console lines, scripts and system commands.

pub mod system;
