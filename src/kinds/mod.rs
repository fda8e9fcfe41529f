//! The kinds of file a phone fetches: ring tones, screen resources (`hlpres.tar`), language packs,
//! firmware and provisioning configs. Each is built from the mechanisms under the rules; none knows
//! an operation or a command.

pub mod config;
pub mod firmware;
pub mod hlpres;
pub mod language;
pub mod ringtone;
