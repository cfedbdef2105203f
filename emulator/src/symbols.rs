//! Symbol tables of the guest's ELF files, for `<symbol+0xoff>` in traces,
//! trap logs, crash histories and gdb: the kernel's, and user programs' for
//! U-mode addresses. Rust names are demangled.

use std::fmt::Write as _;

use crate::elf;

const STT_NOTYPE: u8 = 0;
const STT_OBJECT: u8 = 1;
const STT_FUNC: u8 = 2;

/// How far past a symbol without a size an address still belongs to it.
const UNSIZED_REACH: u64 = 0x1000;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Sym {
    addr: u64,
    size: u64,
    name: String,
}

/// One address space's symbols, sorted by address.
#[derive(Clone, Debug, Default)]
struct Table {
    syms: Vec<Sym>,
}

impl Table {
    /// Adds the symbols of an ELF whose header `h` is read already; the
    /// reason when its symbol table cannot be read.
    fn add(&mut self, bytes: &[u8], h: &elf::Header) -> Result<(), String> {
        for s in elf::symbols(bytes, h)? {
            if s.shndx == 0 || !matches!(s.kind, STT_FUNC | STT_OBJECT | STT_NOTYPE) {
                continue;
            }
            // Skip local labels and mapping symbols ($x, $d).
            if s.name.is_empty() || s.name.starts_with(".L") || s.name.starts_with('$') {
                continue;
            }
            self.syms.push(Sym {
                addr: s.value,
                size: s.size,
                name: format!("{:#}", rustc_demangle::demangle(&s.name)),
            });
        }
        // Among symbols at one address, the sized one (a function) goes last,
        // so a lookup prefers it.
        self.syms.sort_by_key(|s| (s.addr, s.size != 0));
        Ok(())
    }

    fn lookup(&self, addr: u64) -> Option<(&str, u64)> {
        let i = self.syms.partition_point(|s| s.addr <= addr);
        let s = &self.syms[i.checked_sub(1)?];
        let off = addr - s.addr;
        let inside = if s.size > 0 {
            off < s.size
        } else {
            off < UNSIZED_REACH
        };
        inside.then_some((s.name.as_str(), off))
    }

    fn find(&self, name: &str) -> Option<&Sym> {
        self.syms
            .iter()
            .filter(|s| s.name == name)
            .max_by_key(|s| s.size)
    }
}

/// A user program: its symbols and its loadable bytes, which tell programs
/// linked at the same addresses apart.
#[derive(Clone, Debug, Default)]
struct Program {
    table: Table,
    /// (virtual address, file bytes) of each PT_LOAD segment.
    segments: Vec<(u64, Vec<u8>)>,
}

impl Program {
    /// Whether the program's bytes at `addr` are `code` (`len` bytes).
    fn holds(&self, addr: u64, code: u32, len: u8) -> bool {
        let want = &code.to_le_bytes()[..len as usize];
        self.segments.iter().any(|(base, bytes)| {
            let off = addr.wrapping_sub(*base) as usize;
            addr >= *base && bytes.get(off..off + want.len()) == Some(want)
        })
    }
}

/// The kernel's symbols and the user programs' (`--symbols`, or the bundled
/// file system's programs).
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    kernel: Table,
    user: Vec<Program>,
}

impl Symbols {
    /// No symbols at all.
    pub fn new() -> Symbols {
        Symbols::default()
    }

    /// Adds the symbols of the kernel (or bare-metal program) ELF, used for
    /// S- and M-mode addresses. An ELF without symbols adds none.
    pub fn add_kernel(&mut self, elf: &[u8]) -> Result<(), SymbolsError> {
        let h = elf::header(elf).map_err(SymbolsError::NotElf)?;
        self.kernel.add(elf, &h).map_err(SymbolsError::Unreadable)
    }

    /// Adds the symbols of a user program ELF, used for U-mode addresses.
    /// Errors as [`Symbols::add_kernel`]'s; a program whose symbol table
    /// cannot be read is still added, to tell programs apart by their bytes.
    pub fn add_user(&mut self, elf: &[u8]) -> Result<(), SymbolsError> {
        let h = elf::header(elf).map_err(SymbolsError::NotElf)?;
        let segments = elf::segments(elf, &h)
            .map_err(SymbolsError::NotElf)?
            .iter()
            .filter(|p| p.p_type == elf::PT_LOAD)
            .filter_map(|p| {
                let start = usize::try_from(p.offset).ok()?;
                let end = start.checked_add(usize::try_from(p.filesz).ok()?)?;
                Some((p.vaddr, elf.get(start..end)?.to_vec()))
            })
            .collect();
        let mut table = Table::default();
        let read = table.add(elf, &h).map_err(SymbolsError::Unreadable);
        self.user.push(Program { table, segments });
        read
    }

    /// Whether no symbol was loaded.
    pub fn is_empty(&self) -> bool {
        self.kernel.syms.is_empty() && self.user.iter().all(|p| p.table.syms.is_empty())
    }

    /// The symbol holding `addr` and the offset into it: the kernel's unless
    /// `prv` is U (0); then the user program's when exactly one is loaded
    /// (with several, use [`Symbols::lookup_code`]).
    pub fn lookup(&self, addr: u64, prv: u8) -> Option<(&str, u64)> {
        match (prv, self.user.as_slice()) {
            (0, [one]) => one.table.lookup(addr),
            (0, _) => None,
            _ => self.kernel.lookup(addr),
        }
    }

    /// As [`Symbols::lookup`], and for U-mode addresses with several user
    /// programs loaded (all linked at 0), the first program whose bytes at
    /// `addr` are the instruction `code` of `len` bytes being executed there.
    pub fn lookup_code(&self, addr: u64, prv: u8, code: u32, len: u8) -> Option<(&str, u64)> {
        if prv != 0 || self.user.len() < 2 {
            return self.lookup(addr, prv);
        }
        let p = self.user.iter().find(|p| p.holds(addr, code, len))?;
        p.table.lookup(addr)
    }

    /// Appends ` <name+0xoff>` for the instruction `code` at `addr`, as
    /// [`Symbols::annotate`] does, telling user programs apart by their bytes.
    pub fn annotate_code(&self, addr: u64, prv: u8, code: u32, len: u8, out: &mut String) {
        if let Some((name, off)) = self.lookup_code(addr, prv, code, len) {
            let _ = if off == 0 {
                write!(out, " <{name}>")
            } else {
                write!(out, " <{name}+{off:#x}>")
            };
        }
    }

    /// Appends ` <name+0xoff>` (or ` <name>` at offset 0) for `addr`, or
    /// nothing when no symbol holds it.
    pub fn annotate(&self, addr: u64, prv: u8, out: &mut String) {
        if let Some((name, off)) = self.lookup(addr, prv) {
            let _ = if off == 0 {
                write!(out, " <{name}>")
            } else {
                write!(out, " <{name}+{off:#x}>")
            };
        }
    }

    /// The extent `[start, end)` of the symbol called `name` (kernel first,
    /// then user programs); a symbol without a size covers one byte.
    pub fn extent(&self, name: &str) -> Option<(u64, u64)> {
        let s = self
            .kernel
            .find(name)
            .or_else(|| self.user.iter().find_map(|p| p.table.find(name)))?;
        Some((s.addr, s.addr + s.size.max(1)))
    }
}

/// Why an ELF's symbols were not added. The Display form is one line,
/// without the file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SymbolsError {
    /// The file is not a usable ELF at all.
    NotElf(elf::ElfError),
    /// The ELF is fine but its symbol table cannot be read (a warning).
    Unreadable(String),
}

impl std::fmt::Display for SymbolsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SymbolsError::NotElf(e) => write!(f, "{e}"),
            SymbolsError::Unreadable(why) => write!(f, "symbols not read: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(syms: &[(u64, u64, &str)]) -> Table {
        let mut t = Table {
            syms: syms
                .iter()
                .map(|&(addr, size, name)| Sym {
                    addr,
                    size,
                    name: name.into(),
                })
                .collect(),
        };
        t.syms.sort_by_key(|s| (s.addr, s.size != 0));
        t
    }

    #[test]
    fn lookup_respects_sizes_and_prefers_functions() {
        let t = table(&[
            (0x8000_0000, 0, "_start"),
            (0x8000_0100, 0x20, "main"),
            (0x8000_0100, 0, "label"),
            (0x8000_0200, 0x10, "usertrap"),
        ]);
        assert_eq!(t.lookup(0x8000_0004), Some(("_start", 4)));
        assert_eq!(t.lookup(0x8000_0100), Some(("main", 0)));
        assert_eq!(t.lookup(0x8000_011e), Some(("main", 0x1e)));
        assert_eq!(t.lookup(0x8000_0120), None);
        assert_eq!(t.lookup(0x8000_020f), Some(("usertrap", 0xf)));
        assert_eq!(t.lookup(0x7fff_ffff), None);
    }

    #[test]
    fn user_symbols_serve_u_mode_only() {
        let s = Symbols {
            kernel: table(&[(0x8000_0000, 0x100, "kmain")]),
            user: vec![Program {
                table: table(&[(0x0, 0x40, "main"), (0x40, 0x10, "fork")]),
                segments: vec![],
            }],
        };
        let mut out = String::new();
        s.annotate(0x44, 0, &mut out);
        s.annotate(0x44, 1, &mut out);
        s.annotate(0x8000_0000, 1, &mut out);
        s.annotate(0x8000_0000, 0, &mut out);
        assert_eq!(out, " <fork+0x4> <kmain>");
        assert_eq!(s.extent("fork"), Some((0x40, 0x50)));
        assert_eq!(s.extent("kmain"), Some((0x8000_0000, 0x8000_0100)));
        assert_eq!(s.extent("nothing"), None);
    }

    #[test]
    fn programs_linked_at_the_same_address_are_told_apart_by_their_bytes() {
        let program = |name: &'static str, code: [u8; 8]| Program {
            table: table(&[(0x0, 0x8, name)]),
            segments: vec![(0x0, code.to_vec())],
        };
        let s = Symbols {
            kernel: Table::default(),
            user: vec![
                program("cat::main", [0x13, 0, 0, 0, 0x01, 0x45, 0x85, 0x48]),
                program("ls::main", [0x13, 0, 0, 0, 0x01, 0x45, 0x89, 0x48]),
            ],
        };
        // Without the bytes, several programs are ambiguous: no name.
        assert_eq!(s.lookup(0x6, 0), None);
        assert_eq!(s.lookup_code(0x6, 0, 0x4885, 2), Some(("cat::main", 6)));
        assert_eq!(s.lookup_code(0x6, 0, 0x4889, 2), Some(("ls::main", 6)));
        assert_eq!(s.lookup_code(0x6, 0, 0x4999, 2), None);
        // Bytes past a segment's end match nothing.
        assert_eq!(s.lookup_code(0x6, 0, 0x0000_4885, 4), None);
        // Shared code resolves to the first program holding it.
        assert_eq!(s.lookup_code(0x0, 0, 0x13, 4), Some(("cat::main", 0)));
    }

    #[test]
    fn reads_and_demangles_a_real_elf() {
        // The test binary itself is an ELF with mangled Rust symbols.
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let mut s = Symbols::new();
        s.add_kernel(&exe).unwrap();
        // The binary is position independent: find the load bias with one
        // function, then resolve another.
        let (start, _) = s.extent("emulator::symbols::Symbols::extent").unwrap();
        let bias = (Symbols::extent as *const () as u64).wrapping_sub(start);
        let f = (Symbols::annotate as *const () as u64).wrapping_sub(bias);
        assert_eq!(
            s.lookup(f, 3),
            Some(("emulator::symbols::Symbols::annotate", 0))
        );
        assert!(Symbols::new().add_kernel(b"not an elf").is_err());
    }
}
