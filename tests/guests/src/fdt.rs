//! Just enough of a flattened device tree reader to count the harts of the
//! machine: the `cpu@N` nodes under `/cpus` of the blob passed in a1.

use core::sync::atomic::{AtomicU64, Ordering};

/// Address of the device tree blob (a1 at hart 0's entry).
pub(crate) static DTB: AtomicU64 = AtomicU64::new(0);

const MAGIC: u32 = 0xd00d_feed;
const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const NOP: u32 = 4;
const END: u32 = 9;

fn be32(addr: u64) -> u32 {
    // SAFETY: the caller keeps addr inside the blob (in RAM).
    u32::from_be(unsafe { (addr as *const u32).read_volatile() })
}

/// Number of `cpu@` nodes under `/cpus`, or None when a1 did not point at a
/// device tree.
pub fn hart_count() -> Option<usize> {
    let base = DTB.load(Ordering::Relaxed);
    if base < 0x8000_0000 || !base.is_multiple_of(4) || be32(base) != MAGIC {
        return None;
    }
    let total = be32(base + 4) as u64;
    let mut p = base + be32(base + 8) as u64;
    let end = base + total;
    let (mut depth, mut in_cpus, mut count) = (0usize, false, 0usize);
    while p + 4 <= end {
        let token = be32(p);
        p += 4;
        match token {
            BEGIN_NODE => {
                let name = p;
                let mut len = 0;
                while be8(name + len) != 0 {
                    len += 1;
                }
                depth += 1;
                if depth == 2 && starts_with(name, len, b"cpus") && len == 4 {
                    in_cpus = true;
                } else if depth == 3 && in_cpus && starts_with(name, len, b"cpu@") {
                    count += 1;
                }
                p = (name + len + 1 + 3) & !3;
            }
            END_NODE => {
                if depth == 2 {
                    in_cpus = false;
                }
                depth = depth.saturating_sub(1);
            }
            PROP => {
                let len = be32(p) as u64;
                p = (p + 8 + len + 3) & !3;
            }
            NOP => {}
            END => break,
            _ => return None,
        }
    }
    Some(count)
}

fn be8(addr: u64) -> u8 {
    // SAFETY: inside the blob, which ends with a string table.
    unsafe { (addr as *const u8).read_volatile() }
}

fn starts_with(name: u64, len: u64, prefix: &[u8]) -> bool {
    len >= prefix.len() as u64
        && prefix
            .iter()
            .enumerate()
            .all(|(i, &c)| be8(name + i as u64) == c)
}
