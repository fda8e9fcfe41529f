//! `bundler language check|pack` and `bundler inspect Language.tar` on real folders: templates of
//! two XML shapes and two JS shapes, translations with every kind of fault, archives listed and
//! extracted by GNU tar.

use crate::common::*;

use std::path::{Path, PathBuf};

// ---- templates of two shapes per format ----------------------------------------------------------

/// Element text identified by `id` attributes, one level of grouping.
const LCD_TEXT_TEMPLATE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<LCD>
  <item id="Call">Call</item>
  <item id="Hold">Hold</item>
  <item id="Lines">Line %d of %d</item>
  <item id="Welcome">Welcome\nto Htek</item>
  <group name="Menu">
    <item id="Status">Status</item>
    <item id="Settings">Settings</item>
  </group>
</LCD>
"#;

const LCD_TEXT_ZH: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<LCD>
  <item id="Call">呼叫</item>
  <item id="Hold">保持</item>
  <item id="Lines">线路 %d / %d</item>
  <item id="Welcome">欢迎\n使用 Htek</item>
  <group name="Menu">
    <item id="Status">状态</item>
    <item id="Settings">设置</item>
  </group>
</LCD>
"#;

/// Values in attributes; `width` is a number, not text.
const LCD_ATTR_TEMPLATE: &str = r#"<resources>
  <string name="Call" value="Call"/>
  <string name="Hold" value="Hold %s"/>
  <menu key="Main" title="Main menu" width="120"/>
</resources>
"#;

const LCD_ATTR_DE: &str = r#"<resources>
  <string name="Call" value="Anrufen"/>
  <string name="Hold" value="%s halten"/>
  <menu key="Main" title="Hauptmenü" width="140"/>
</resources>
"#;

/// A JS object literal, with a nested object.
const WEB_OBJECT_TEMPLATE: &str = r#"// Htek web strings
var lang = {
  "Status": "Status",
  "Account": "Account %s",
  Save: 'Save',
  menu: { phone: "Phone", network: "Network" }
};
"#;

const WEB_OBJECT_ZH: &str = r#"var lang = {
  "Status": "状态",
  "Account": "账号 %s",
  Save: '保存',
  menu: { phone: "电话", network: "网络" }
};
"#;

/// JS assignments.
const WEB_ASSIGN_TEMPLATE: &str = "var lang = new Array();\nlang[\"Status\"] = \"Status\";\nlang[\"Account\"] = \"Account {0}\";\nlang.Save = 'Save';\n";

const WEB_ASSIGN_FR: &str = "var lang = new Array();\nlang[\"Status\"] = \"État\";\nlang[\"Account\"] = \"Compte {0}\";\nlang.Save = 'Enregistrer';\n";

const ZH_XML: &str = "10_简体中文(ChineseSimplified).xml";
const ZH_JS: &str = "10_ChineseSimplified.js";

/// A temporary folder holding `Language/` with `files`; returns (temp dir, Language path).
fn language_dir(files: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let lang = tmp.path().join("Language");
    std::fs::create_dir(&lang).unwrap();
    for (name, bytes) in files {
        std::fs::write(lang.join(name), bytes).unwrap();
    }
    (tmp, lang)
}

/// The usual folder: both templates (text and object shapes) and complete Chinese translations.
fn complete_files() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("LCD_English_Template.xml", LCD_TEXT_TEMPLATE.as_bytes()),
        ("Web_English_Template.js", WEB_OBJECT_TEMPLATE.as_bytes()),
        (ZH_XML, LCD_TEXT_ZH.as_bytes()),
        (ZH_JS, WEB_OBJECT_ZH.as_bytes()),
    ]
}

fn check(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["language", "check", "Language"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

fn pack(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["language", "pack", "Language", "-o", "out/Language.tar"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

/// Lines of the output that mention `needle`.
fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

/// Extracts a tar with GNU tar into a fresh folder and returns it.
fn gnu_extract(tar: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let st = std::process::Command::new("tar").arg("-xf").arg(tar).arg("-C").arg(out.path()).status().unwrap();
    assert!(st.success(), "GNU tar could not extract {}", tar.display());
    out
}

fn gnu_list(tar: &Path) -> Vec<String> {
    let out = std::process::Command::new("tar").arg("-tf").arg(tar).output().unwrap();
    assert!(out.status.success(), "GNU tar could not list: {}", stderr(&out));
    stdout(&out).lines().map(str::to_string).collect()
}

// ---- complete translations -------------------------------------------------------------------------

#[test]
fn complete_folder_checks_clean_with_per_file_summaries() {
    let (tmp, _) = language_dir(&complete_files());
    let out = check(tmp.path(), &[]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    let zh = lines_with(&text, &format!("Language/{ZH_XML}: LCD translation, menu position 10"));
    assert_eq!(zh.len(), 1, "{text}");
    assert!(zh[0].contains("6 of 6 items, 0 missing, 0 extra, 0 empty; 0 errors, 0 warnings"), "{}", zh[0]);
    let js = lines_with(&text, &format!("Language/{ZH_JS}: web translation"));
    assert!(js[0].contains("5 of 5 items"), "{}", js[0]);
    assert!(text.contains("4 files checked: no errors, 0 warnings"), "{text}");
}

#[test]
fn pack_is_listed_by_gnu_tar_and_holds_the_bytes_as_given() {
    if !require_tool("tar") {
        return;
    }
    let files = complete_files();
    let (tmp, lang) = language_dir(&files);
    std::fs::write(lang.join(format!("{ZH_XML}.bak")), b"old").unwrap();
    let out = pack(tmp.path(), &[]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let tar = tmp.path().join("out/Language.tar");
    // The English templates are checked but not packed: English is built into the phone.
    let mut expected: Vec<String> =
        files.iter().filter(|(n, _)| !n.contains("English_Template")).map(|(n, _)| format!("Language/{n}")).collect();
    expected.sort();
    expected.insert(0, "Language/".to_string());
    assert_eq!(gnu_list(&tar), expected, "folder entry first, then the files sorted; no .bak, no templates");
    let x = gnu_extract(&tar);
    for (name, bytes) in files.iter().filter(|(n, _)| !n.contains("English_Template")) {
        assert_eq!(&std::fs::read(x.path().join("Language").join(name)).unwrap(), bytes, "{name}");
    }
    assert!(lines_with(&stdout(&out), ".bak: warning: editor leftover").len() == 1, "{}", stdout(&out));
    assert_eq!(files_in(&tmp.path().join("out")), ["Language.tar"], "no temporary file left");
}

#[test]
fn pack_is_deterministic_and_takes_source_date_epoch() {
    if !require_tool("tar") {
        return;
    }
    let (tmp, _) = language_dir(&complete_files());
    assert!(pack(tmp.path(), &[]).status.success());
    let first = std::fs::read(tmp.path().join("out/Language.tar")).unwrap();
    assert!(pack(tmp.path(), &[]).status.success());
    assert_eq!(first, std::fs::read(tmp.path().join("out/Language.tar")).unwrap());

    let out = bundler()
        .current_dir(tmp.path())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["language", "pack", "Language", "-o", "dated.tar"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = std::process::Command::new("tar")
        .env("TZ", "UTC")
        .args(["--full-time", "-tvf"])
        .arg(tmp.path().join("dated.tar"))
        .output()
        .unwrap();
    let listing = stdout(&listing);
    assert_eq!(listing.lines().count(), 3, "folder and two translations");
    assert!(listing.lines().all(|l| l.contains("2023-11-14 22:13:20") && l.contains("0/0")), "{listing}");
}

#[test]
fn attribute_template_and_assignment_script_are_understood() {
    let (tmp, _) = language_dir(&[
        ("LCD_English_Template.xml", LCD_ATTR_TEMPLATE.as_bytes()),
        ("Web_English_Template.js", WEB_ASSIGN_TEMPLATE.as_bytes()),
        ("2_Deutsch(German).xml", LCD_ATTR_DE.as_bytes()),
        ("1_French.js", WEB_ASSIGN_FR.as_bytes()),
    ]);
    let out = check(tmp.path(), &[]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("template Language/LCD_English_Template.xml: 3 items"), "{text}");
    assert!(text.contains("template Language/Web_English_Template.js: 3 items"), "{text}");
    assert!(lines_with(&text, "2_Deutsch(German).xml: LCD translation")[0].contains("3 of 3 items"), "{text}");

    // The same files with the translated attribute removed and a value emptied.
    let broken = LCD_ATTR_DE.replace(" title=\"Hauptmenü\"", "").replace("Anrufen", "");
    std::fs::write(tmp.path().join("Language/2_Deutsch(German).xml"), broken).unwrap();
    let fr = WEB_ASSIGN_FR.replace("lang.Save = 'Enregistrer';\n", "");
    std::fs::write(tmp.path().join("Language/1_French.js"), fr).unwrap();
    let out = check(tmp.path(), &[]);
    let text = stdout(&out);
    assert!(!out.status.success());
    assert_eq!(
        lines_with(&text, "error: missing item '/resources/menu[@key=\"Main\"]/@title' (English: \"Main menu\""),
        ["Language/2_Deutsch(German).xml: error: missing item '/resources/menu[@key=\"Main\"]/@title' (English: \"Main menu\", Language/LCD_English_Template.xml line 4)"]
    );
    assert_eq!(
        lines_with(&text, "is empty"),
        ["Language/2_Deutsch(German).xml:2:23: error: item '/resources/string[@name=\"Call\"]/@value' is empty (English: \"Call\")"]
    );
    assert_eq!(
        lines_with(&text, "missing item 'lang.Save'"),
        ["Language/1_French.js: error: missing item 'lang.Save' (English: \"Save\", Language/Web_English_Template.js line 4)"]
    );
    assert!(stderr(&out).contains("error: 3 errors in 2 files"), "{}", stderr(&out));
}

// ---- completeness faults ---------------------------------------------------------------------------

#[test]
fn missing_extra_and_empty_items_are_errors_naming_the_item_and_nothing_is_packed() {
    let zh = LCD_TEXT_ZH
        .replace("  <item id=\"Hold\">保持</item>\n", "")
        .replace("<item id=\"Call\">呼叫</item>", "<item id=\"Call\">呼叫</item><item id=\"Cal\">呼</item>")
        .replace("状态", "  ");
    let mut files = complete_files();
    files[2].1 = Box::leak(zh.into_boxed_str()).as_bytes();
    let (tmp, _) = language_dir(&files);
    let out = pack(tmp.path(), &[]);
    let text = stdout(&out);
    assert_one_line_error(&out, &["out/Language.tar", "nothing written", "3 errors in 1 file"]);
    assert!(!tmp.path().join("out").exists(), "no partial output");
    let f = format!("Language/{ZH_XML}");
    assert!(text.contains(&format!("{f}:3:28: error: item '/LCD/item[@id=\"Cal\"]' is not in the template")), "{text}");
    assert!(
        text.contains(&format!(
            "{f}:7:5: error: item '/LCD/group[@name=\"Menu\"]/item[@id=\"Status\"]' is empty (English: \"Status\")"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{f}: error: missing item '/LCD/item[@id=\"Hold\"]' (English: \"Hold\", Language/LCD_English_Template.xml line 4)")),
        "{text}"
    );
    assert!(text.contains("5 of 6 items, 1 missing, 1 extra, 1 empty; 3 errors, 0 warnings"), "{text}");
}

#[test]
fn identical_values_and_lost_placeholders_warn_and_strict_makes_them_errors() {
    let zh = WEB_OBJECT_ZH.replace("账号 %s", "账号").replace("\"电话\"", "\"Phone\"");
    let mut files = complete_files();
    files[3].1 = Box::leak(zh.into_boxed_str()).as_bytes();
    let (tmp, _) = language_dir(&files);
    let out = check(tmp.path(), &[]);
    let text = stdout(&out);
    assert!(out.status.success(), "warnings only: {text}");
    let f = format!("Language/{ZH_JS}");
    assert!(
        text.contains(&format!(
            "{f}:3:3: warning: item 'lang.Account' has other placeholders than English: '%s' 1× in English, 0× here"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{f}:5:11: warning: item 'lang.menu.phone' is the same as English: \"Phone\"")),
        "{text}"
    );
    let out = check(tmp.path(), &["--strict"]);
    let text = stdout(&out);
    assert!(!out.status.success());
    assert!(text.contains(&format!("{f}:3:3: error: item 'lang.Account' has other placeholders")), "{text}");
    assert!(text.contains(&format!("{f}:5:11: error: item 'lang.menu.phone' is the same as English")), "{text}");
}

#[test]
fn lost_line_break_placeholder_in_xml_is_reported() {
    let zh = LCD_TEXT_ZH.replace("欢迎\\n使用 Htek", "欢迎使用 Htek");
    let mut files = complete_files();
    files[2].1 = Box::leak(zh.into_boxed_str()).as_bytes();
    let (tmp, _) = language_dir(&files);
    let text = stdout(&check(tmp.path(), &[]));
    assert!(
        text.contains(
            "item '/LCD/item[@id=\"Welcome\"]' has other placeholders than English: '\\n' 1× in English, 0× here"
        ),
        "{text}"
    );
}

#[test]
fn without_templates_the_other_checks_still_run_and_a_note_says_so() {
    let (tmp, _) =
        language_dir(&[(ZH_XML, LCD_TEXT_ZH.as_bytes()), ("11_Broken.js", b"var lang = {\n  a: 'x'\n  b: 'y'\n};\n")]);
    let out = check(tmp.path(), &[]);
    let text = stdout(&out);
    assert!(
        text.contains("note: completeness of the LCD translations not checked: no LCD_English_Template.xml"),
        "{text}"
    );
    assert!(text.contains("note: completeness of the web translations not checked"), "{text}");
    assert!(
        text.contains("Language/11_Broken.js:3:3: error: expected '}' or ',' after the value, found 'b'"),
        "{text}"
    );
    assert!(lines_with(&text, &format!("{ZH_XML}: LCD translation"))[0].contains(": 6 items;"), "{text}");
    // Given explicitly, templates outside the folder are used.
    let t = tmp.path().join("tpl.xml");
    std::fs::write(&t, LCD_TEXT_TEMPLATE).unwrap();
    let text = stdout(&check(tmp.path(), &["--lcd-template", t.to_str().unwrap()]));
    assert!(lines_with(&text, &format!("{ZH_XML}: LCD translation"))[0].contains("6 of 6 items"), "{text}");
}

#[test]
fn single_files_can_be_checked() {
    let (tmp, lang) = language_dir(&complete_files());
    let out = bundler()
        .current_dir(&lang)
        .args(["language", "check", ZH_JS, "--web-template", "Web_English_Template.js", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["errors"], 0);
    assert_eq!(v["web_template"]["items"], 5);
    let f = &v["files"][0];
    assert_eq!(f["name"], ZH_JS);
    assert_eq!(f["role"], "web-translation");
    assert_eq!(f["position"], 10);
    assert_eq!(f["comparison"]["translated"], 5);
    drop(tmp);
}

#[test]
fn json_report_lists_diagnostics_with_positions() {
    let zh = LCD_TEXT_ZH.replace("保持", "");
    let mut files = complete_files();
    files[2].1 = Box::leak(zh.into_boxed_str()).as_bytes();
    let (tmp, _) = language_dir(&files);
    let out = check(tmp.path(), &["--json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["errors"], 1);
    let zh = v["files"].as_array().unwrap().iter().find(|f| f["name"] == ZH_XML).unwrap();
    assert_eq!(zh["comparison"]["empty"], 1);
    assert_eq!(zh["packed"], false);
    let d = &zh["diagnostics"][0];
    assert_eq!((d["line"].as_u64(), d["column"].as_u64(), d["severity"].as_str()), (Some(4), Some(3), Some("error")));
    assert!(d["message"].as_str().unwrap().contains("/LCD/item[@id=\"Hold\"]"));
}

// ---- names -----------------------------------------------------------------------------------------

#[test]
fn duplicate_menu_position_names_both_files() {
    let mut files = complete_files();
    files.push(("10_繁体中文(ChineseTraditional).xml", LCD_TEXT_ZH.as_bytes()));
    let (tmp, _) = language_dir(&files);
    let out = check(tmp.path(), &[]);
    let text = stdout(&out);
    assert!(!out.status.success());
    let dup = lines_with(&text, "both take menu position 10");
    assert_eq!(dup.len(), 1, "{text}");
    assert!(
        dup[0].contains("10_繁体中文(ChineseTraditional).xml and 10_简体中文(ChineseSimplified).xml"),
        "{}",
        dup[0]
    );
}

#[test]
fn leftovers_are_skipped_and_unknown_files_refused() {
    let mut files = complete_files();
    files.extend([
        ("10_ChineseSimplified.js~", b"x".as_slice()),
        (".DS_Store", b"\0\0\0\x01Bud1"),
        ("Thumbs.db", b"\xd0\xcf"),
        ("readme.txt", b"notes"),
        ("Chinese.xml", LCD_TEXT_ZH.as_bytes()),
    ]);
    let (tmp, lang) = language_dir(&files);
    std::fs::create_dir(lang.join("old")).unwrap();
    let text = stdout(&check(tmp.path(), &[]));
    for leftover in ["10_ChineseSimplified.js~", ".DS_Store", "Thumbs.db"] {
        assert_eq!(
            lines_with(&text, &format!("{leftover}: warning: editor leftover: skipped, never packed")).len(),
            1,
            "{text}"
        );
    }
    assert!(text.contains("Language/readme.txt: error: not a language file"), "{text}");
    assert!(
        text.contains("Language/Chinese.xml: error: an LCD language file is named N_Native(English).xml"),
        "{text}"
    );
    assert!(text.contains("Language/old: error: a sub-folder"), "{text}");
}

#[test]
fn names_too_long_for_a_plain_tar_header_are_refused() {
    let long = format!("12_{}(Long).js", "x".repeat(90));
    let mut files = complete_files();
    files.push((Box::leak(long.clone().into_boxed_str()), WEB_OBJECT_ZH.as_bytes()));
    let (tmp, _) = language_dir(&files);
    let text = stdout(&check(tmp.path(), &[]));
    assert!(text.contains(&format!("Language/{long}: error: the name is 102 bytes")), "{text}");
}

// ---- encodings ---------------------------------------------------------------------------------------

fn gbk_translation() -> Vec<u8> {
    let text = LCD_TEXT_ZH.replace("encoding=\"UTF-8\"", "encoding=\"GBK\"");
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

#[test]
fn gbk_file_is_located_and_named_and_converted_only_on_request() {
    if !require_tool("tar") {
        return;
    }
    let gbk = gbk_translation();
    let mut files = complete_files();
    files[2].1 = &gbk;
    let (tmp, lang) = language_dir(&files);
    let out = pack(tmp.path(), &[]);
    let text = stdout(&out);
    assert!(!out.status.success());
    let line = lines_with(&text, "is not UTF-8");
    assert_eq!(line.len(), 1, "{text}");
    // Line 3 is `  <item id="Call">呼叫</item>`: the first byte of 呼 is at column 19.
    assert!(
        line[0].starts_with(&format!("Language/{ZH_XML}:3:19: error: is not UTF-8: byte 0xBA at byte offset 61")),
        "{}",
        line[0]
    );
    assert!(line[0].contains("looks like GBK") && line[0].contains("--convert-from GBK"), "{}", line[0]);
    assert!(!tmp.path().join("out/Language.tar").exists());

    let out = pack(tmp.path(), &["--convert-from", "GBK"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("converted from GBK to UTF-8"), "{}", stdout(&out));
    let x = gnu_extract(&tmp.path().join("out/Language.tar"));
    let packed = std::fs::read_to_string(x.path().join("Language").join(ZH_XML)).unwrap();
    assert_eq!(packed, LCD_TEXT_ZH, "converted to UTF-8 with the declaration saying UTF-8");
    assert_eq!(std::fs::read(lang.join(ZH_XML)).unwrap(), gbk, "the user's file is unchanged");
}

#[test]
fn utf16_file_is_named_and_can_be_converted() {
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(WEB_OBJECT_ZH.encode_utf16().flat_map(u16::to_le_bytes));
    let mut files = complete_files();
    files[3].1 = &utf16;
    let (tmp, _) = language_dir(&files);
    let text = stdout(&check(tmp.path(), &[]));
    let line = lines_with(&text, "UTF-16");
    assert_eq!(line.len(), 1, "{text}");
    assert!(
        line[0].starts_with(&format!(
            "Language/{ZH_JS}:1:1: error: is UTF-16, not UTF-8; it looks like UTF-16LE (byte-order mark FF FE)"
        )),
        "{}",
        line[0]
    );
    let out = check(tmp.path(), &["--convert-from", "UTF-16LE"]);
    assert!(out.status.success(), "{}", stdout(&out));
    // Without a byte-order mark the NUL pattern gives it away.
    let bare: Vec<u8> = WEB_OBJECT_ZH.encode_utf16().flat_map(u16::to_be_bytes).collect();
    std::fs::write(tmp.path().join("Language").join(ZH_JS), bare).unwrap();
    assert!(stdout(&check(tmp.path(), &[])).contains("it looks like UTF-16BE (NUL before every ASCII byte)"));
}

#[test]
fn utf8_bom_is_stripped_from_the_packed_copy_with_a_warning() {
    if !require_tool("tar") {
        return;
    }
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), LCD_TEXT_ZH.as_bytes()].concat();
    let mut files = complete_files();
    files[2].1 = &with_bom;
    let (tmp, lang) = language_dir(&files);
    let out = pack(tmp.path(), &[]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("Language/{ZH_XML}:1:1: warning: starts with a UTF-8 byte-order mark")));
    let x = gnu_extract(&tmp.path().join("out/Language.tar"));
    assert_eq!(std::fs::read(x.path().join("Language").join(ZH_XML)).unwrap(), LCD_TEXT_ZH.as_bytes());
    assert_eq!(std::fs::read(lang.join(ZH_XML)).unwrap(), with_bom);
}

#[test]
fn crlf_and_mixed_line_endings_are_fine() {
    let crlf = LCD_TEXT_ZH.replace('\n', "\r\n");
    let mixed = WEB_OBJECT_ZH.replacen('\n', "\r\n", 2);
    let mut files = complete_files();
    files[2].1 = crlf.as_bytes();
    files[3].1 = mixed.as_bytes();
    let (tmp, _) = language_dir(&files);
    let out = check(tmp.path(), &[]);
    assert!(out.status.success(), "{}", stdout(&out));
}

// ---- well-formedness -----------------------------------------------------------------------------------

#[test]
fn malformed_xml_and_script_are_located() {
    let xml = LCD_TEXT_ZH.replace("<item id=\"Hold\">保持</item>", "<item id=\"Hold\">保持</itm>");
    let js = WEB_OBJECT_ZH.replace("Save: '保存',", "Save: '保存,");
    let mut files = complete_files();
    files[2].1 = xml.as_bytes();
    files[3].1 = js.as_bytes();
    let (tmp, _) = language_dir(&files);
    let out = pack(tmp.path(), &[]);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("Language/{ZH_XML}:4:21: error: not well-formed XML: expected 'item' tag, not 'itm'")),
        "{text}"
    );
    assert!(text.contains(&format!("Language/{ZH_JS}:4:9: error: string is never closed")), "{text}");
    assert_one_line_error(&out, &["nothing written", "2 errors in 2 files"]);
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn entity_bomb_is_refused_at_its_doctype() {
    let mut bomb = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
        bomb.push_str(&format!(" <!ENTITY lol{i} \"{}\">\n", format!("&{prev};").repeat(10)));
    }
    bomb.push_str("]>\n<LCD><item id=\"Call\">&lol9;</item></LCD>\n");
    let mut files = complete_files();
    files[2].1 = bomb.as_bytes();
    let (tmp, _) = language_dir(&files);
    let out = check(tmp.path(), &[]);
    let text = stdout(&out);
    assert!(text.contains(&format!("Language/{ZH_XML}:2:1: error: DTD refused")), "{text}");
    assert!(!out.status.success());
}

#[test]
fn undeclared_entity_is_an_error() {
    let xml = LCD_TEXT_ZH.replace("保持", "保持&nbsp;");
    let mut files = complete_files();
    files[2].1 = xml.as_bytes();
    let (tmp, _) = language_dir(&files);
    let text = stdout(&check(tmp.path(), &[]));
    assert!(text.contains(&format!("Language/{ZH_XML}:4:"),) && text.contains("nbsp"), "{text}");
}

// ---- bad input ---------------------------------------------------------------------------------------

#[test]
fn missing_folder_is_a_one_line_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(tmp.path(), &["language", "pack", "nope"]);
    assert_one_line_error(&out, &["nope", "cannot read folder"]);
    let out = run_in(tmp.path(), &["language", "check", "nope"]);
    assert_one_line_error(&out, &["nope: cannot open: No such file or directory"]);
    assert!(files_in(tmp.path()).is_empty());
}

#[test]
fn a_folder_without_language_files_packs_nothing() {
    let (tmp, _) = language_dir(&[("notes.txt.bak", b"x")]);
    let out = pack(tmp.path(), &[]);
    assert!(stdout(&out).contains("error: no language files found"), "{}", stdout(&out));
    assert_one_line_error(&out, &["nothing written", "1 error, 1 warning"]);
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn a_file_given_as_the_folder_is_a_one_line_error() {
    let (tmp, lang) = language_dir(&complete_files());
    let out = run_in(tmp.path(), &["language", "pack", lang.join(ZH_JS).to_str().unwrap()]);
    assert_one_line_error(&out, &[ZH_JS, "cannot read folder"]);
}

#[test]
fn unreadable_folder_is_a_one_line_error() {
    let (tmp, lang) = language_dir(&complete_files());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&lang, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = if std::fs::read_dir(&lang).is_ok() {
        // Root reads any folder (CI runs as root): the command runs as the user nobody instead.
        if !require_tool("setpriv") {
            return;
        }
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_bundler"))
            .args(["language", "pack", "Language", "-o", "out/Language.tar"])
            .current_dir(tmp.path())
            .output()
            .unwrap()
    } else {
        pack(tmp.path(), &[])
    };
    std::fs::set_permissions(&lang, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_one_line_error(&out, &["Language", "cannot read folder"]);
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn a_200_mb_file_is_refused_without_reading_it() {
    let (tmp, lang) = language_dir(&complete_files());
    let big = std::fs::File::create(lang.join("11_Huge.js")).unwrap();
    big.set_len(200 * 1024 * 1024).unwrap(); // sparse: nothing is written to disk
    drop(big);
    let out = pack(tmp.path(), &[]);
    let text = stdout(&out);
    assert!(
        text.contains(
            "Language/11_Huge.js: error: 209715200 bytes, more than the 20000000 a whole language pack may hold"
        ),
        "{text}"
    );
    assert_one_line_error(&out, &["nothing written", "1 error in 1 file"]);
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn binary_junk_and_empty_files_are_errors() {
    let junk: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let mut files = complete_files();
    files.push(("11_Junk(Junk).xml", &junk));
    files.push(("12_Empty.js", b""));
    let (tmp, _) = language_dir(&files);
    let out = check(tmp.path(), &[]);
    let text = stdout(&out);
    assert!(!out.status.success());
    assert_eq!(lines_with(&text, "Language/11_Junk(Junk).xml: error: binary data").len(), 1, "{text}");
    assert!(text.contains("Language/12_Empty.js: error: empty file"), "{text}");
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn malformed_template_is_an_error_about_the_template() {
    let broken = LCD_TEXT_TEMPLATE.replace("</group>", "</grup>");
    let mut files = complete_files();
    files[0].1 = broken.as_bytes();
    let (tmp, _) = language_dir(&files);
    let out = pack(tmp.path(), &[]);
    assert_one_line_error(&out, &["Language/LCD_English_Template.xml:10:3", "the template itself is broken", "grup"]);
    assert!(!stdout(&out).contains(ZH_XML), "translations are not judged against a broken template");
    assert!(!tmp.path().join("out").exists());
    // The same for a template given on the command line.
    std::fs::write(tmp.path().join("Language/LCD_English_Template.xml"), LCD_TEXT_TEMPLATE).unwrap();
    let t = tmp.path().join("t.js");
    std::fs::write(&t, "var lang = {").unwrap();
    let out = check(tmp.path(), &["--web-template", t.to_str().unwrap()]);
    assert_one_line_error(&out, &["t.js:1:13", "the template itself is broken", "found the end of the file"]);
}

#[test]
fn archive_over_the_layout_cap_is_not_written() {
    let (tmp, _) = language_dir(&complete_files());
    let layouts = tmp.path().join("layouts");
    std::fs::create_dir(&layouts).unwrap();
    std::fs::write(layouts.join("htek.toml"), "[defaults.language]\nmax_bytes = 2048\n").unwrap();
    let out = pack(tmp.path(), &["--layouts", layouts.to_str().unwrap()]);
    assert_one_line_error(&out, &["Language.tar would be 3584 bytes", "cap of 2048 bytes", "nothing written"]);
    assert!(!tmp.path().join("out").exists());
}

// ---- inspect -------------------------------------------------------------------------------------------

#[test]
fn inspect_lists_a_language_pack_with_each_entry_checked() {
    let (tmp, _) = language_dir(&complete_files());
    assert!(pack(tmp.path(), &[]).status.success());
    let out = run_in(tmp.path(), &["inspect", "out/Language.tar", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v[0];
    assert_eq!(r["kind"], "tar, language pack (Language.tar)");
    let entries = r["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "folder and two translations");
    let zh = entries.iter().find(|e| e["file"] == format!("Language/{ZH_XML}")).unwrap();
    assert_eq!(zh["kind"], "LCD translation, menu position 10");
    let field = |e: &serde_json::Value, name: &str| {
        e["fields"].as_array().unwrap().iter().find(|f| f[0] == name).map(|f| f[1].clone()).unwrap()
    };
    assert_eq!(field(zh, "items"), 6);
    assert_eq!(field(zh, "errors"), 0);
}

#[test]
fn inspect_flags_a_leftover_and_a_missing_item_inside_a_pack() {
    if !require_tool("tar") {
        return;
    }
    // A pack made the old way: GNU tar over a folder with an incomplete file and a .bak.
    let zh = LCD_TEXT_ZH.replace("  <item id=\"Hold\">保持</item>\n", "");
    let mut files = complete_files();
    files[2].1 = zh.as_bytes();
    files.push(("10_x(y).xml.bak", b"old"));
    let (tmp, _) = language_dir(&files);
    let st = std::process::Command::new("tar")
        .current_dir(tmp.path())
        .args(["--format=ustar", "-cf", "Language.tar", "Language"])
        .status()
        .unwrap();
    assert!(st.success());
    let out = run_in(tmp.path(), &["inspect", "Language.tar"]);
    let text = stdout(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("Language/10_x(y).xml.bak: error: editor leftover inside the archive"), "{text}");
    assert!(text.contains(&format!("Language/{ZH_XML}: error: missing item '/LCD/item[@id=\"Hold\"]'")), "{text}");
}

#[test]
fn text_output_shows_50_findings_per_file_and_json_has_them_all() {
    let extra: String = (0..120).map(|i| format!("<item id=\"Extra{i}\">x</item>\n")).collect();
    let zh = LCD_TEXT_ZH.replace("<LCD>\n", &format!("<LCD>\n{extra}"));
    let mut files = complete_files();
    files[2].1 = Box::leak(zh.into_boxed_str()).as_bytes();
    let (tmp, _) = language_dir(&files);
    let out = check(tmp.path(), &[]);
    let text = stdout(&out);
    assert_eq!(lines_with(&text, "is not in the template").len(), 50, "{text}");
    assert!(text.contains("… and 70 more") && text.contains("use --json for all"), "{text}");
    assert!(text.contains("120 errors"), "{text}");
    let json = stdout(&check(tmp.path(), &["--json"]));
    assert_eq!(json.matches("is not in the template").count(), 120);
}

#[test]
fn a_web_file_with_code_or_a_script_tag_is_an_error_at_its_place_and_nothing_is_packed() {
    for (js, place, word) in [
        (format!("{WEB_OBJECT_ZH}alert(document.cookie);\n"), ":7:1:", "is a call"),
        (WEB_OBJECT_ZH.replace("'保存'", "'</SCRIPT><script>alert(1)</script>'"), ":4:9:", "<script> tag"),
        (WEB_OBJECT_ZH.replace("\"状态\"", "document.title"), ":2:13:", "'document' is not a value"),
    ] {
        let mut files = complete_files();
        files[3].1 = Box::leak(js.into_boxed_str()).as_bytes();
        let (tmp, _) = language_dir(&files);
        let out = pack(tmp.path(), &[]);
        let text = stdout(&out);
        assert!(!out.status.success() && !tmp.path().join("out").exists(), "{text}");
        let line = format!("Language/{ZH_JS}{place} error:");
        assert!(lines_with(&text, &line).iter().any(|l| l.contains(word)), "{line} {word}: {text}");
    }
}
