//! A minimal flattened-device-tree reader (devicetree spec v0.4 §5): header
//! checks, property lookup by path, and child counting.

/// FDT header magic.
pub const MAGIC: u32 = 0xd00d_feed;
const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const NOP: u32 = 4;
const END: u32 = 9;
const MAX_DEPTH: usize = 8;
/// Largest blob this reader accepts.
pub const MAX_SIZE: u32 = 1 << 20;

/// What `Fdt::walk` calls: the node path (root excluded), and a property's
/// name and value, or None on entry to the node.
pub type Visitor<'a> = dyn FnMut(&[&str], Option<(&str, &'static [u8])>) + 'a;

/// A validated blob in memory.
pub struct Fdt {
    blob: &'static [u8],
    structs: usize,
    strings: usize,
}

/// Reads the big-endian u32 at `off` of `b` (0 past the end).
pub fn be32(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4)
        .map_or(0, |w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
}

/// Reads the big-endian u64 at `off` of `b` (0 past the end).
pub fn be64(b: &[u8], off: usize) -> u64 {
    (be32(b, off) as u64) << 32 | be32(b, off + 4) as u64
}

/// The NUL-terminated string at `off` of `b`.
fn cstr(b: &[u8], off: usize) -> &str {
    let s = b.get(off..).unwrap_or(&[]);
    let n = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    core::str::from_utf8(&s[..n]).unwrap_or("")
}

/// Whether the node stack `stack` names `path` ("/" is the root).
fn is_path(stack: &[&str], path: &str) -> bool {
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    stack.iter().all(|s| parts.next() == Some(*s)) && parts.next().is_none()
}

impl Fdt {
    /// Reads the header at `addr`; fails with a reason when the magic,
    /// version or sizes are wrong.
    pub fn at(addr: u64) -> Result<Fdt, &'static str> {
        // SAFETY: the header is 40 bytes of RAM at the address the boot ROM gave.
        let head = unsafe { core::slice::from_raw_parts(addr as *const u8, 40) };
        if be32(head, 0) != MAGIC {
            return Err("bad magic");
        }
        let size = be32(head, 4);
        if !(40..=MAX_SIZE).contains(&size) {
            return Err("bad totalsize");
        }
        if be32(head, 20) < 16 || be32(head, 24) > 17 {
            return Err("unsupported version");
        }
        let (structs, strings) = (be32(head, 8), be32(head, 12));
        let (size_strings, size_structs) = (be32(head, 32), be32(head, 36));
        if structs as u64 + size_structs as u64 > size as u64
            || strings as u64 + size_strings as u64 > size as u64
        {
            return Err("blocks outside totalsize");
        }
        // SAFETY: totalsize was checked to be sane; the blob lies in RAM.
        let blob = unsafe { core::slice::from_raw_parts(addr as *const u8, size as usize) };
        Ok(Fdt {
            blob,
            structs: structs as usize,
            strings: strings as usize,
        })
    }

    /// The whole blob.
    pub fn bytes(&self) -> &'static [u8] {
        self.blob
    }

    /// Walks the structure block, calling `f(stack, prop)` for each node
    /// (prop = None, on entry) and each property (Some((name, value))).
    /// Fails on a malformed block.
    pub fn walk(&self, f: &mut Visitor) -> Result<(), &'static str> {
        let b = self.blob;
        let mut stack: [&str; MAX_DEPTH] = [""; MAX_DEPTH];
        let mut depth = 0usize;
        let mut off = self.structs;
        loop {
            let token = be32(b, off);
            off += 4;
            match token {
                BEGIN_NODE => {
                    let name = cstr(b, off);
                    off = (off + name.len() + 1 + 3) & !3;
                    if depth >= MAX_DEPTH {
                        return Err("too deep");
                    }
                    // stack[0] is the root, whose name is empty: paths are
                    // stack[1..depth].
                    stack[depth] = name;
                    depth += 1;
                    f(&stack[1..depth], None);
                }
                END_NODE => {
                    if depth == 0 {
                        return Err("unbalanced END_NODE");
                    }
                    depth -= 1;
                }
                PROP => {
                    let len = be32(b, off) as usize;
                    let name = cstr(b, self.strings + be32(b, off + 4) as usize);
                    let value = b
                        .get(off + 8..off + 8 + len)
                        .ok_or("property past the end")?;
                    off = (off + 8 + len + 3) & !3;
                    if depth == 0 {
                        return Err("property outside a node");
                    }
                    f(&stack[1..depth], Some((name, value)));
                }
                NOP => {}
                END => {
                    return if depth == 0 {
                        Ok(())
                    } else {
                        Err("END inside a node")
                    }
                }
                _ => return Err("bad token"),
            }
            if off >= b.len() {
                return Err("structure block runs off the blob");
            }
        }
    }

    /// The value of property `name` of the node at `path`.
    pub fn prop(&self, path: &str, name: &str) -> Option<&'static [u8]> {
        let mut found = None;
        self.walk(&mut |stack, p| {
            if let Some((n, v)) = p {
                if found.is_none() && n == name && is_path(stack, path) {
                    found = Some(v);
                }
            }
        })
        .ok()?;
        found
    }

    /// The string value of property `name` of the node at `path`.
    pub fn prop_str(&self, path: &str, name: &str) -> Option<&'static str> {
        let v = self.prop(path, name)?;
        core::str::from_utf8(v.strip_suffix(&[0]).unwrap_or(v)).ok()
    }

    /// Whether a node exists at `path`.
    pub fn has_node(&self, path: &str) -> bool {
        let mut found = false;
        let _ = self.walk(&mut |stack, p| found |= p.is_none() && is_path(stack, path));
        found
    }

    /// Number of children of `path` whose names start with `prefix`.
    pub fn count_children(&self, path: &str, prefix: &str) -> usize {
        let mut n = 0;
        let _ = self.walk(&mut |stack, p| {
            if p.is_none() {
                if let Some((last, parent)) = stack.split_last() {
                    if last.starts_with(prefix) && is_path(parent, path) {
                        n += 1;
                    }
                }
            }
        });
        n
    }
}

/// Number of harts the device tree at `dtb` describes (1 when it cannot be read).
pub fn hart_count(dtb: u64) -> usize {
    Fdt::at(dtb).map_or(1, |f| f.count_children("/cpus", "cpu@").max(1))
}

/// A node path built without allocation: `Path::new("/cpus/cpu@").hex(2)`.
pub struct Path {
    buf: [u8; 64],
    len: usize,
}

impl Path {
    /// A path starting with `s`.
    pub fn new(s: &str) -> Path {
        Path {
            buf: [0; 64],
            len: 0,
        }
        .str(s)
    }

    /// Appends `s` (truncated at 64 bytes).
    pub fn str(mut self, s: &str) -> Path {
        for &c in s.as_bytes() {
            if self.len < self.buf.len() {
                self.buf[self.len] = c;
                self.len += 1;
            }
        }
        self
    }

    /// Appends `n` in lowercase hex without leading zeros.
    pub fn hex(self, n: u64) -> Path {
        let digits = (64 - (n | 1).leading_zeros() as usize).div_ceil(4);
        let mut p = self;
        for i in (0..digits).rev() {
            let d = [b"0123456789abcdef"[(n >> (4 * i) & 15) as usize]];
            p = p.str(core::str::from_utf8(&d).unwrap_or("0"));
        }
        p
    }

    /// The path so far.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}
