//! Reply latencies per server in bounded memory: exact samples while they are few, then a
//! log-scale histogram (5 % wide buckets) so a long capture does not grow the model.

const EXACT_LIMIT: usize = 1024;
const BASE_MS: f64 = 0.001;
const RATIO: f64 = 1.05;
const BUCKETS: usize = 430;

#[derive(Debug, Clone, Default)]
pub struct Latencies {
    exact: Vec<f64>,
    buckets: Option<Box<[u32; BUCKETS]>>,
    count: u64,
}

fn bucket(ms: f64) -> usize {
    if ms <= BASE_MS {
        return 0;
    }
    ((ms / BASE_MS).ln() / RATIO.ln())
        .floor()
        .clamp(0.0, (BUCKETS - 1) as f64) as usize
}

/// Geometric middle of a bucket.
fn bucket_value(i: usize) -> f64 {
    BASE_MS * RATIO.powf(i as f64 + 0.5)
}

impl Latencies {
    pub fn push(&mut self, ms: f64) {
        if !ms.is_finite() || ms < 0.0 {
            return;
        }
        self.count += 1;
        if let Some(b) = &mut self.buckets {
            b[bucket(ms)] += 1;
            return;
        }
        self.exact.push(ms);
        if self.exact.len() > EXACT_LIMIT {
            let mut b = Box::new([0u32; BUCKETS]);
            for v in self.exact.drain(..) {
                b[bucket(v)] += 1;
            }
            self.buckets = Some(b);
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The `q` quantile (0..=1): exact for up to 1024 samples, within 5 % beyond.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        if let Some(b) = &self.buckets {
            let target = ((self.count - 1) as f64 * q).round() as u64;
            let mut seen = 0u64;
            for (i, n) in b.iter().enumerate() {
                seen += u64::from(*n);
                if seen > target {
                    return Some(bucket_value(i));
                }
            }
            return Some(bucket_value(BUCKETS - 1));
        }
        let mut v = self.exact.clone();
        v.sort_by(f64::total_cmp);
        v.get(((v.len() - 1) as f64 * q).round() as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_then_approximate() {
        let mut l = Latencies::default();
        for v in [3.0, 1.0, 2.0] {
            l.push(v);
        }
        assert_eq!(l.quantile(0.5), Some(2.0));
        for i in 0..100_000 {
            l.push(f64::from(i % 100) + 0.5);
        }
        let median = l.quantile(0.5).unwrap();
        assert!((median - 50.0).abs() / 50.0 < 0.05, "{median}");
        let p95 = l.quantile(0.95).unwrap();
        assert!((p95 - 95.0).abs() / 95.0 < 0.05, "{p95}");
        assert_eq!(l.count(), 100_003);
    }
}
