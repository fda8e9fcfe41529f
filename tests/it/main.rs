//! The integration tests: one test binary (one link), a module per command or concern, each running
//! the real `bundler` binary against independent readers and peers (sox, openssl, tar, curl, nginx,
//! sipp, an S3 server, …). The shared fixtures live in `common`. Run one module with
//! `cargo test --test it MODULE::` (e.g. `cargo test --test it release::`).

mod common;

mod config;
mod dhcp;
mod diff;
mod docs;
mod exit_codes;
mod field_configs;
mod firmware;
mod first_hour;
mod fuzz_regressions;
mod hlpres;
mod init;
mod inspect_images;
mod language;
mod models;
mod module_graph;
mod notify;
mod phone;
mod phone_ftp_https;
mod phone_hostile;
mod pnp;
mod progress;
mod publish;
mod quiet_json;
mod readers_hold;
mod readme;
mod rebuild;
mod release;
mod release_swap;
mod ringtone;
mod safety;
mod serve;
mod serve_ftp;
mod serve_https;
mod serve_limits;
mod tree;
mod vendor;
mod verify;
