//! `--stats`: what the machine did, as an aligned table — per hart
//! instructions, MIPS, traps by cause, TLB and block-cache hit rates — plus
//! disk traffic and wall time.

use std::fmt::Write as _;
use std::time::Duration;

use crate::devices::VirtioBlk;
use crate::hart::trap::cause_name;
use crate::machine::Machine;

/// A percentage of `hits` over `hits + misses`, or `-` when there were none.
fn rate(hits: u64, misses: u64) -> String {
    match hits + misses {
        0 => "-".into(),
        n => format!("{:.2}%", 100.0 * hits as f64 / n as f64),
    }
}

/// The table: one column per hart, one row per quantity, then the machine's
/// totals. `wall` is the run's wall time.
pub fn report(m: &mut Machine, wall: Duration) -> String {
    let secs = wall.as_secs_f64().max(1e-9);
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let harts = &m.harts;
    let mut row = |name: &str, f: &dyn Fn(usize) -> String| {
        rows.push((name.to_string(), (0..harts.len()).map(f).collect()));
    };
    row("instructions", &|h| harts[h].instret().to_string());
    row("MIPS", &|h| {
        format!("{:.1}", harts[h].instret() as f64 / secs / 1e6)
    });
    row("traps", &|h| {
        let s = &harts[h].stats;
        (s.exceptions.iter().sum::<u64>() + s.interrupts.iter().sum::<u64>()).to_string()
    });
    for cause in 0..16 {
        if harts.iter().any(|h| h.stats.exceptions[cause] != 0) {
            let name = format!("  {}", cause_name(false, cause as u64));
            row(&name, &|h| harts[h].stats.exceptions[cause].to_string());
        }
    }
    for cause in 0..16 {
        if harts.iter().any(|h| h.stats.interrupts[cause] != 0) {
            let name = format!("  {} irq", cause_name(true, cause as u64));
            row(&name, &|h| harts[h].stats.interrupts[cause].to_string());
        }
    }
    row("TLB hit rate", &|h| {
        let (hit, miss) = harts[h].tlb_stats();
        rate(hit, miss)
    });
    row("block cache hit rate", &|h| {
        let (hit, miss) = harts[h].block_stats();
        rate(hit, miss)
    });
    let header: Vec<String> = (0..harts.len()).map(|h| format!("hart {h}")).collect();
    let width0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..harts.len())
        .map(|c| {
            rows.iter()
                .map(|r| r.1[c].len())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::from("rvcow: statistics\n");
    let _ = write!(s, "{:width0$}", "");
    for (c, h) in header.iter().enumerate() {
        let _ = write!(s, "  {h:>w$}", w = widths[c]);
    }
    s.push('\n');
    for (name, cells) in &rows {
        let _ = write!(s, "{name:width0$}");
        for (c, v) in cells.iter().enumerate() {
            let _ = write!(s, "  {v:>w$}", w = widths[c]);
        }
        s.push('\n');
    }
    let (read, written) = m
        .bus
        .device_mut::<VirtioBlk>()
        .map(|v| (v.disk().bytes_read, v.disk().bytes_written))
        .unwrap_or((0, 0));
    let _ = writeln!(s, "total instructions  {}", m.retired);
    let _ = writeln!(
        s,
        "total MIPS          {:.1}",
        m.retired as f64 / secs / 1e6
    );
    let _ = writeln!(s, "disk read           {read} bytes");
    let _ = writeln!(s, "disk written        {written} bytes");
    let _ = writeln!(s, "wall time           {:.6} s", wall.as_secs_f64());
    s
}
