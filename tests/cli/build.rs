//! How the binary is built: on x86_64 Linux with glibc, `tools/link-static` links it
//! statically and position-dependent (no loader, no relocations at start-up).

/// The file type and program header types of an ELF64 little-endian file, or None if it
/// is not one.
fn program_header_types(elf: &[u8]) -> Option<(u16, Vec<u32>)> {
    let u16_at = |o: usize| Some(u16::from_le_bytes(elf.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |o: usize| Some(u32::from_le_bytes(elf.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |o: usize| Some(u64::from_le_bytes(elf.get(o..o + 8)?.try_into().ok()?));
    if elf.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let phoff = usize::try_from(u64_at(0x20)?).ok()?;
    let size = usize::from(u16_at(0x36)?);
    let count = usize::from(u16_at(0x38)?);
    let types = (0..count)
        .map(|k| u32_at(phoff + k * size))
        .collect::<Option<_>>()?;
    Some((u16_at(0x10)?, types))
}

/// Whether `cc` finds the static archive `lib` (as the linker wrapper checks).
fn cc_has(lib: &str) -> bool {
    std::process::Command::new("cc")
        .arg(format!("-print-file-name={lib}"))
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .is_some_and(|p| std::path::Path::new(&p).is_file())
}

#[test]
fn baton_is_static_and_position_dependent_where_the_toolchain_allows() {
    const PT_INTERP: u32 = 3;
    const PT_DYNAMIC: u32 = 2;
    const ET_EXEC: u16 = 2;
    let can = cfg!(all(
        target_os = "linux",
        target_arch = "x86_64",
        target_env = "gnu"
    )) && std::env::var("BATON_LINK").as_deref() != Ok("dynamic")
        && cc_has("libc.a")
        && cc_has("libgcc_eh.a");
    let elf = std::fs::read(env!("CARGO_BIN_EXE_baton")).expect("the baton binary");
    let Some((kind, types)) = program_header_types(&elf) else {
        assert!(!can, "not an ELF64 file, where a static one was expected");
        return;
    };
    let dynamic = types.iter().any(|&t| t == PT_INTERP || t == PT_DYNAMIC);
    if can {
        assert!(!dynamic, "baton needs a loader: {types:?}");
        assert_eq!(kind, ET_EXEC, "a position-independent executable");
    }
    // The test's own binary is linked as rustc links it, dynamically: the check can tell.
    let own = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    if let Some((_, own)) = program_header_types(&own) {
        assert!(own.contains(&PT_INTERP), "{own:?}");
    }
}
