//! `release` replacing a tree (issue 22, items 16 and 17): the tree at `--out` is swapped in whole,
//! a previous tree left aside by a killed run is put back rather than deleted, and a symbolic link
//! at the lock file's name is refused, never written through.

use crate::common::*;
use std::path::Path;

fn leftovers(p: &Path) -> Vec<String> {
    files_in(p).into_iter().filter(|n| n.starts_with(".build.") && n != ".build.bundler-cache").collect()
}

#[test]
fn a_tree_left_aside_by_a_killed_run_is_put_back_not_deleted() {
    let (_dir, p) = copy_example("fip-office");
    assert!(release_build(&p).status.success());
    // A run killed between "move the old tree aside" and "rename the new one in": no tree at
    // --out, the previous one (with a file the user added) beside it.
    std::fs::write(p.join("build/keep.txt"), "the user's").unwrap();
    std::fs::rename(p.join("build"), p.join(".build.bundler-old-4242")).unwrap();
    let out = release_build(&p);
    assert!(stderr(&out).contains("put back the previous tree"), "{}", stderr(&out));
    assert!(!out.status.success(), "the restored tree holds a file bundler did not write");
    assert!(stderr(&out).contains("keep.txt"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(p.join("build/keep.txt")).unwrap(), "the user's");
    assert!(p.join("build/manifest.json").is_file());
    assert_eq!(leftovers(&p), Vec::<String>::new());
    // Without the stray file the next run replaces it, leaving nothing beside it.
    std::fs::remove_file(p.join("build/keep.txt")).unwrap();
    let out = release_build(&p);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(leftovers(&p), Vec::<String>::new());
}

#[test]
fn replacing_a_tree_leaves_one_tree_and_nothing_beside_it() {
    let (_dir, p) = copy_example("fip-office");
    assert!(release_build(&p).status.success());
    let before = std::fs::read(p.join("build/manifest.json")).unwrap();
    std::fs::write(p.join("common.cfg"), std::fs::read_to_string(p.join("common.cfg")).unwrap() + "\n# changed\n")
        .unwrap();
    let out = release_build(&p);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(std::fs::read(p.join("build/manifest.json")).unwrap(), before, "the new tree is in place");
    assert_eq!(leftovers(&p), Vec::<String>::new());
}

#[test]
fn a_symlink_at_the_lock_name_is_refused_and_its_target_untouched() {
    let (dir, p) = copy_example("fip-office");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, p.join(".build.bundler-lock")).unwrap();
    let out = release_build(&p);
    assert_one_line_error(&out, &[".build.bundler-lock", "symbolic link"]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(std::fs::symlink_metadata(p.join(".build.bundler-lock")).unwrap().file_type().is_symlink());
    assert!(!p.join("build").exists());
}
