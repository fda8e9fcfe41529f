//! The operations: what a command does across kinds and trees (a release, a check of a tree, a
//! phone's fetch, serving, publishing, notifying), built from the kinds and the mechanisms.

pub mod dhcp;
#[doc(hidden)]
pub mod fuzzing;
pub mod init;
pub mod inspect;
pub mod notify;
pub mod phone;
pub mod publish;
pub mod release;
pub mod serve;
pub mod verify;
