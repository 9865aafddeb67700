//! The seeded random generator of the in-process providers: SHA-256 in
//! counter mode over the seed, so the same seed gives the same passwords,
//! names, keys and serial numbers on every machine.

use rsa::rand_core::{Infallible, TryCryptoRng, TryRng};
use sha2::{Digest, Sha256};

/// A deterministic generator of random bytes (SHA-256 of seed and counter).
#[derive(Clone)]
pub struct SeededRng {
    seed: [u8; 32],
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl std::fmt::Debug for SeededRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SeededRng")
    }
}

impl SeededRng {
    /// A generator from a seed and a label (providers sharing a seed draw
    /// different values under different labels).
    pub fn new(seed: u64, label: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"registry-testkit/tftest/builtin");
        h.update(seed.to_be_bytes());
        h.update(label.as_bytes());
        SeededRng {
            seed: h.finalize().into(),
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }

    fn refill(&mut self) {
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(self.counter.to_be_bytes());
        self.counter += 1;
        self.block = h.finalize().into();
        self.used = 0;
    }

    /// Fill `out` with random bytes.
    pub fn fill(&mut self, out: &mut [u8]) {
        for b in out {
            if self.used == 32 {
                self.refill();
            }
            *b = self.block[self.used];
            self.used += 1;
        }
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0; n];
        self.fill(&mut v);
        v
    }

    /// A random `u64`.
    pub fn u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill(&mut b);
        u64::from_be_bytes(b)
    }

    /// A uniformly random number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        // Rejection sampling: no modulo bias.
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.u64();
            if x < zone {
                return x % n;
            }
        }
    }

    /// A uniformly random integer in `min..=max` (`min <= max`).
    pub fn between(&mut self, min: i64, max: i64) -> i64 {
        let span = (max as i128 - min as i128 + 1) as u128;
        if span > u64::MAX as u128 {
            return self.u64() as i64;
        }
        (min as i128 + self.below(span as u64) as i128) as i64
    }

    /// The indices `0..n` in random order (Fisher-Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.below(i as u64 + 1) as usize;
            p.swap(i, j);
        }
        p
    }

    /// A generator seeded from this one's next bytes and a label.
    pub fn fork(&mut self, label: &str) -> SeededRng {
        SeededRng::new(self.u64(), label)
    }
}

impl TryRng for SeededRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0; 4];
        self.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0; 8];
        self.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.fill(dst);
        Ok(())
    }
}

impl TryCryptoRng for SeededRng {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        let mut a = SeededRng::new(7, "x");
        let mut b = SeededRng::new(7, "x");
        assert_eq!(a.bytes(100), b.bytes(100));
        assert_ne!(
            SeededRng::new(8, "x").bytes(16),
            SeededRng::new(7, "x").bytes(16)
        );
        assert_ne!(
            SeededRng::new(7, "y").bytes(16),
            SeededRng::new(7, "x").bytes(16)
        );
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut r = SeededRng::new(1, "r");
        for _ in 0..1000 {
            let x = r.between(-3, 3);
            assert!((-3..=3).contains(&x));
            assert!(r.below(10) < 10);
        }
        let mut p = r.permutation(10);
        p.sort();
        assert_eq!(p, (0..10).collect::<Vec<_>>());
        let _ = r.between(i64::MIN, i64::MAX);
    }
}
