//! Renders an audio file to a ring tone and prints what happened.
//!
//! `cargo run --release --example render -- IN OUT [max_seconds] [gsrt|g711-wav|pcm-wav] [ulaw|alaw]`
//! Used by the README's measurements (peak memory with `/usr/bin/time -v`).

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: render IN OUT [max_seconds] [container] [codec]");
        std::process::exit(2);
    }
    let max_seconds = args.get(3).map_or(Ok(16.0), |s| s.parse()).unwrap_or_else(|e| {
        eprintln!("render: bad max_seconds: {e}");
        std::process::exit(2)
    });
    let container: ringtool::Container = args.get(4).map_or("gsrt", String::as_str).parse().unwrap_or_else(|e| {
        eprintln!("render: {e}");
        std::process::exit(2)
    });
    let codec: ringtool::Codec = args.get(5).map_or("ulaw", String::as_str).parse().unwrap_or_else(|e| {
        eprintln!("render: {e}");
        std::process::exit(2)
    });
    let opts = ringtool::RenderOptions { max_seconds, ..Default::default() };
    let rendered = match ringtool::render(&ringtool::Source::File(Path::new(&args[1])), &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("render: {}: {e}", args[1]);
            std::process::exit(1);
        }
    };
    let stamp = ringtool::Timestamp::from_source_date_epoch(ringtool::Timestamp::from_unix(0)).unwrap_or_else(|e| {
        eprintln!("render: {e}");
        std::process::exit(2)
    });
    let bytes = ringtool::encode(&rendered.samples, codec, container, stamp);
    if let Err(e) = std::fs::write(&args[2], &bytes) {
        eprintln!("render: {}: {e}", args[2]);
        std::process::exit(1);
    }
    println!(
        "{} samples ({:.3} s), input {:?} s, cut {}, {} bytes",
        rendered.samples.len(),
        rendered.seconds(),
        rendered.input_seconds,
        rendered.cut,
        bytes.len()
    );
    for w in &rendered.warnings {
        println!("warning: {w}");
    }
}
