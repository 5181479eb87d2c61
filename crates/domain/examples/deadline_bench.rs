//! Times due-date computation: 1,000,000 due dates over the seeded rules with pseudo-random
//! start dates from 1995 to 2095. Run with
//! `cargo run --release -p learnloop-domain --example deadline_bench`.

use std::hint::black_box;
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use learnloop_domain::clocks::{Calendar, seeded_rules};

const OPS: u32 = 1_000_000;

/// xorshift64*: tiny, deterministic, good enough to scatter start dates.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn main() {
    let (Some(lo), Some(hi)) = (
        NaiveDate::from_ymd_opt(1995, 1, 1),
        NaiveDate::from_ymd_opt(2095, 12, 31),
    ) else {
        eprintln!("bad date range");
        return;
    };
    let lo = lo.num_days_from_ce();
    let span = u64::try_from(hi.num_days_from_ce() - lo + 1).unwrap_or(1);

    let cal = Calendar::england_and_wales();
    let rules = seeded_rules();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);

    // Draw the inputs first so that only due-date computation is timed.
    let inputs: Vec<(usize, NaiveDate)> = (0..OPS)
        .filter_map(|_| {
            let r = rng.next();
            let rule = usize::try_from(r % rules.len() as u64).ok()?;
            let offset = i32::try_from((r >> 20) % span).ok()?;
            NaiveDate::from_num_days_from_ce_opt(lo + offset).map(|d| (rule, d))
        })
        .collect();

    let started = Instant::now();
    let mut checksum: i64 = 0;
    for (rule, start) in &inputs {
        if let Some(rule) = rules.get(*rule) {
            let due = rule.due_date(black_box(&cal), black_box(*start));
            checksum = checksum.wrapping_add(i64::from(due.num_days_from_ce()));
        }
    }
    let elapsed = started.elapsed();

    let ns_per_op = elapsed.as_nanos() as f64 / inputs.len() as f64;
    println!(
        "{} due dates over {} rules in {:.3} ms ({ns_per_op:.1} ns per due date; checksum {checksum})",
        inputs.len(),
        rules.len(),
        elapsed.as_secs_f64() * 1000.0,
    );
}
