//! exec: replace a process's memory with an ELF program read from the file system.

use abi::param::MAXARG;

use crate::fs::log::{begin_op, end_op};
use crate::fs::{ilock, iunlockput, namei, readi, InodeGuard};
use crate::memlayout::TRAPFRAME;
use crate::proc::{myproc, proc_freepagetable, proc_pagetable};
use crate::riscv::{pgroundup, PageTable, Pte, PGSIZE, PTE_W, PTE_X};
use crate::vm::{copyout, uvmalloc, uvmclear, walkaddr};

/// "\x7FELF" in little endian.
const ELF_MAGIC: u32 = 0x464C_457F;
/// Program header type of a loadable segment.
const ELF_PROG_LOAD: u32 = 1;
/// Segment flag bits.
const ELF_PROG_FLAG_EXEC: u32 = 1;
const ELF_PROG_FLAG_WRITE: u32 = 2;

/// Bytes in the ELF64 file header and in one program header.
const ELFHDR_SIZE: usize = 64;
const PROGHDR_SIZE: usize = 56;

/// The fields of the ELF file header that exec uses.
struct ElfHdr {
    magic: u32,
    entry: u64,
    phoff: u64,
    phnum: u16,
}

/// The fields of a program header that exec uses.
struct ProgHdr {
    typ: u32,
    flags: u32,
    off: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
}

fn le32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

fn le64(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

impl ElfHdr {
    fn parse(b: &[u8; ELFHDR_SIZE]) -> Self {
        ElfHdr {
            magic: le32(b, 0),
            entry: le64(b, 24),
            phoff: le64(b, 32),
            phnum: u16::from_le_bytes([b[56], b[57]]),
        }
    }
}

impl ProgHdr {
    fn parse(b: &[u8; PROGHDR_SIZE]) -> Self {
        ProgHdr {
            typ: le32(b, 0),
            flags: le32(b, 4),
            off: le64(b, 8),
            vaddr: le64(b, 16),
            filesz: le64(b, 32),
            memsz: le64(b, 40),
        }
    }
}

// PTE permissions for ELF segment flags (read is always granted).
fn flags2perm(flags: u32) -> Pte {
    let mut perm = 0;
    if flags & ELF_PROG_FLAG_EXEC != 0 {
        perm |= PTE_X;
    }
    if flags & ELF_PROG_FLAG_WRITE != 0 {
        perm |= PTE_W;
    }
    perm
}

// Read exactly buf.len() bytes at offset off of ip into buf; Err if the file
// is shorter or the offset does not fit.
fn read_exact(ip: &mut InodeGuard, buf: &mut [u8], off: u64) -> Result<(), ()> {
    let off = u32::try_from(off).map_err(|_| ())?;
    let n = readi(ip, false, buf.as_mut_ptr() as usize, off, buf.len() as u32)?;
    if n != buf.len() {
        return Err(());
    }
    Ok(())
}

// Load a program segment into pagetable at virtual address va. va must be
// page-aligned and the pages from va to va+sz must already be mapped.
// Err if the file is too short or the pages are missing.
fn loadseg(
    pagetable: PageTable,
    va: usize,
    ip: &mut InodeGuard,
    offset: u64,
    sz: usize,
) -> Result<(), ()> {
    for i in (0..sz).step_by(PGSIZE) {
        let pa = walkaddr(pagetable, va + i).ok_or(())?;
        let n = (sz - i).min(PGSIZE);
        let off = offset
            .checked_add(i as u64)
            .and_then(|o| u32::try_from(o).ok())
            .ok_or(())?;
        if readi(ip, false, pa, off, n as u32)? != n {
            return Err(());
        }
    }
    Ok(())
}

// Map the loadable segments of the ELF file ip into pagetable; returns the
// ELF entry point and the size of the loaded image. On Err, pagetable may
// hold memory up to the size stored in *sz.
fn load(ip: &mut InodeGuard, pagetable: PageTable, sz: &mut usize) -> Result<u64, ()> {
    // Check ELF header
    let mut eb = [0u8; ELFHDR_SIZE];
    read_exact(ip, &mut eb, 0)?;
    let elf = ElfHdr::parse(&eb);
    if elf.magic != ELF_MAGIC {
        return Err(());
    }

    // Load program into memory.
    for i in 0..elf.phnum as u64 {
        let off = elf.phoff.checked_add(i * PROGHDR_SIZE as u64).ok_or(())?;
        let mut pb = [0u8; PROGHDR_SIZE];
        read_exact(ip, &mut pb, off)?;
        let ph = ProgHdr::parse(&pb);
        if ph.typ != ELF_PROG_LOAD {
            continue;
        }
        if ph.memsz < ph.filesz {
            return Err(());
        }
        let end = ph.vaddr.checked_add(ph.memsz).ok_or(())?;
        if !ph.vaddr.is_multiple_of(PGSIZE as u64) || end > TRAPFRAME as u64 {
            return Err(());
        }
        *sz = uvmalloc(pagetable, *sz, end as usize, flags2perm(ph.flags))?;
        loadseg(pagetable, ph.vaddr as usize, ip, ph.off, ph.filesz as usize)?;
    }
    Ok(elf.entry)
}

// Push the argument strings and then the argv pointer array onto the stack
// page below sp, as xv6 lays them out. Returns the final sp (the address of
// argv[0]'s pointer); Err if they do not fit in the page above stackbase.
fn pushargs(
    pagetable: PageTable,
    mut sp: usize,
    stackbase: usize,
    argv: &[&[u8]],
) -> Result<usize, ()> {
    let mut ustack = [0u64; MAXARG + 1];
    for (i, arg) in argv.iter().enumerate() {
        sp = sp.checked_sub(arg.len() + 1).ok_or(())?;
        sp -= sp % 16; // riscv sp must be 16-byte aligned
        if sp < stackbase {
            return Err(());
        }
        copyout(pagetable, sp, arg)?;
        copyout(pagetable, sp + arg.len(), &[0])?;
        ustack[i] = sp as u64;
    }
    let argc = argv.len();
    ustack[argc] = 0;

    // push the array of argv[] pointers.
    sp = sp.checked_sub((argc + 1) * 8).ok_or(())?;
    sp -= sp % 16;
    if sp < stackbase {
        return Err(());
    }
    let mut bytes = [0u8; (MAXARG + 1) * 8];
    for (i, a) in ustack[..=argc].iter().enumerate() {
        bytes[8 * i..8 * i + 8].copy_from_slice(&a.to_le_bytes());
    }
    copyout(pagetable, sp, &bytes[..(argc + 1) * 8])?;
    Ok(sp)
}

/// Replace the current process's image with the ELF program at path, with
/// arguments argv (fewer than MAXARG). Returns argc (which becomes a0, the first
/// argument to main(argc, argv)); on any failure returns Err and the old image
/// is untouched, with everything allocated for the new one freed.
pub fn exec(path: &[u8], argv: &[&[u8]]) -> Result<usize, ()> {
    if argv.len() >= MAXARG {
        return Err(());
    }
    let p = myproc();

    begin_op();
    let Some(ip) = namei(path) else {
        end_op();
        return Err(());
    };
    let mut g = ilock(&ip);

    let mut sz = 0;
    let Some(pagetable) = proc_pagetable(p) else {
        iunlockput(g, ip);
        end_op();
        return Err(());
    };
    let loaded = load(&mut g, pagetable, &mut sz);
    iunlockput(g, ip);
    end_op();

    let image = loaded.and_then(|entry| {
        // Allocate two pages at the next page boundary. Make the first
        // inaccessible as a stack guard. Use the second as the user stack.
        sz = pgroundup(sz);
        sz = uvmalloc(pagetable, sz, sz + 2 * PGSIZE, PTE_W)?;
        uvmclear(pagetable, sz - 2 * PGSIZE);
        let sp = pushargs(pagetable, sz, sz - PGSIZE, argv)?;
        Ok((entry, sp))
    });
    let Ok((entry, sp)) = image else {
        proc_freepagetable(pagetable, sz);
        return Err(());
    };

    let d = p.data();
    // arguments to user main(argc, argv): argc is returned via the system
    // call return value, which goes in a0.
    d.tf().a1 = sp;

    // Save program name for debugging.
    let last = path.rsplit(|&c| c == b'/').next().unwrap_or(path);
    d.set_name(last);

    // Commit to the user image.
    let oldpagetable = d.pagetable;
    let oldsz = d.sz;
    d.pagetable = pagetable;
    d.sz = sz;
    d.tf().epc = entry as usize; // initial program counter = main
    d.tf().sp = sp; // initial stack pointer
    proc_freepagetable(oldpagetable, oldsz);

    Ok(argv.len())
}
