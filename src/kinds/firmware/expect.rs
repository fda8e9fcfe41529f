//! The firmware a request will lay out, as far as names tell: the models' file names from the
//! layout (a versioned name pattern matched against the inputs' own file names), the prefix and
//! postfix, the version and whether it is a legacy set. Nothing is opened, so a release plan (and
//! its `--dry-run`) knows its firmware outputs before any input is read; [`super::locate`] then
//! finds each file in the inputs and says what is missing.

use super::{requested_models, version_from_names, wanted_files, Laid, LaidFile, Request, Wanted};
use crate::rules::layout::Layouts;
use anyhow::{bail, Result};
use std::path::PathBuf;

/// The files `req` will give, named but not found: sizes and digests are empty, and a name
/// pattern that no input's file name matches stays the pattern (found inside a zip when built).
pub fn expect(layouts: &Layouts, req: &Request) -> Result<Laid> {
    crate::mechanisms::output::check_name_part("--prefix", req.prefix)?;
    crate::mechanisms::output::check_name_part("--postfix", req.postfix)?;
    if req.models.is_empty() {
        bail!("the firmware of every model can only be told by reading the inputs: name the models");
    }
    let version = match &req.version {
        Some(v) => Some(v.clone()),
        None => version_from_names(req.inputs)?,
    };
    let mut files: Vec<LaidFile> = Vec::new();
    let mut legacy = false;
    for model in requested_models(layouts, req)? {
        let (wanted, is_legacy) = wanted_files(model, version.as_ref(), req.from_version.as_ref())?;
        legacy |= is_legacy;
        for w in &wanted {
            let basic = expected_name(req.inputs, w);
            let name = format!("{}{basic}{}", req.prefix, req.postfix);
            match files.iter_mut().find(|f| f.name == name) {
                Some(f) => {
                    f.models.push(model.name.clone());
                    f.cap = f.cap.min(model.firmware_max_bytes);
                }
                None => files.push(LaidFile {
                    name,
                    basic_name: basic,
                    models: vec![model.name.clone()],
                    source: String::new(),
                    bytes: 0,
                    sha256: String::new(),
                    data: Vec::new(),
                    origin: (usize::MAX, String::new()),
                    cap: model.firmware_max_bytes,
                }),
            }
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Laid { version: version.map(|v| v.to_string()), legacy, files, notes: Vec::new() })
}

/// The vendor name of a wanted file: the layout's name, or the first input file name matching
/// the pattern (else the pattern itself).
fn expected_name(inputs: &[PathBuf], wanted: &Wanted) -> String {
    match wanted {
        Wanted::Name(n) => n.clone(),
        Wanted::Pattern(p) => inputs
            .iter()
            .filter_map(|i| i.file_name().and_then(|n| n.to_str()))
            .find(|base| crate::rules::glob::matches(p, base))
            .map_or_else(|| p.clone(), str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(inputs: &'a [PathBuf], models: &'a [String]) -> Request<'a> {
        Request { inputs, models, version: None, from_version: None, prefix: "hl_", postfix: "_2.0.4.6.41" }
    }

    #[test]
    fn names_come_from_the_layout_and_the_input_names_without_opening_them() {
        let layouts = Layouts::builtin().unwrap();
        // None of these exist: only their names are used.
        let inputs = [PathBuf::from("/nowhere/Firmware_Htek_2.0.4.6.41_20191104.zip")];
        let models = ["UC924".to_string(), "UC923".to_string()];
        let laid = expect(&layouts, &request(&inputs, &models)).unwrap();
        assert_eq!(laid.version.as_deref(), Some("2.0.4.6.41"));
        assert!(!laid.legacy);
        let names: Vec<&str> = laid.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["hl_fw923.rom_2.0.4.6.41", "hl_fw924.rom_2.0.4.6.41"]);

        let fv = [PathBuf::from("/nowhere/FIP13G-FVUI_V0.5.32.3_202105111814_RC.bin")];
        let fip = ["FIP13G".to_string()];
        let plain = Request { prefix: "", postfix: "", ..request(&fv, &fip) };
        assert_eq!(expect(&layouts, &plain).unwrap().files[0].name, "FIP13G-FVUI_V0.5.32.3_202105111814_RC.bin");
        let zip = [PathBuf::from("/nowhere/fip.zip")];
        let in_zip = Request { prefix: "", postfix: "", ..request(&zip, &fip) };
        assert_eq!(expect(&layouts, &in_zip).unwrap().files[0].name, "FIP13G-FVUI_V*.bin", "found when built");
    }
}
