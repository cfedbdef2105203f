//! The CoreMark-like mix of `bench_mix` and `bench_mix_sv39`: linked-list
//! search and reversal, a small integer matrix product, a character state
//! machine, CRC-16.

/// CRC-16/CCITT of one byte into `crc`, bit by bit as CoreMark does.
fn crc16(mut crc: u16, b: u8) -> u16 {
    crc ^= (b as u16) << 8;
    for _ in 0..8 {
        crc = if crc & 0x8000 != 0 {
            (crc << 1) ^ 0x1021
        } else {
            crc << 1
        };
    }
    crc
}

const NODES: usize = 64;

/// A list threaded through an array by index; `next[i]` is i's successor.
struct List {
    next: [u8; NODES],
    val: [i16; NODES],
    head: u8,
}

impl List {
    fn new(seed: u16) -> List {
        let mut l = List {
            next: [0; NODES],
            val: [0; NODES],
            head: 0,
        };
        for i in 0..NODES {
            l.next[i] = if i + 1 < NODES {
                (i + 1) as u8
            } else {
                u8::MAX
            };
            l.val[i] = ((i as u16).wrapping_mul(seed) ^ 0x5a5a) as i16;
        }
        l
    }

    /// Index of the first node holding `v`, or the number of nodes walked.
    fn find(&self, v: i16) -> usize {
        let mut n = self.head;
        let mut walked = 0;
        while n != u8::MAX {
            if self.val[n as usize] == v {
                return n as usize;
            }
            n = self.next[n as usize];
            walked += 1;
        }
        walked
    }

    fn reverse(&mut self) {
        let mut prev = u8::MAX;
        let mut n = self.head;
        while n != u8::MAX {
            let next = self.next[n as usize];
            self.next[n as usize] = prev;
            prev = n;
            n = next;
        }
        self.head = prev;
    }
}

const M: usize = 12;

/// c = a * b + bias on small i16 matrices, returned as a folded sum.
/// (Index loops on purpose: the kernel is CoreMark's shape.)
#[allow(clippy::needless_range_loop)]
fn matrix(a: &[[i16; M]; M], b: &[[i16; M]; M], bias: i32) -> i32 {
    let mut acc = 0i32;
    for i in 0..M {
        for j in 0..M {
            let mut s = bias;
            for k in 0..M {
                s = s.wrapping_add(a[i][k] as i32 * b[k][j] as i32);
            }
            acc = acc.wrapping_add(s >> 2) ^ (s & 0xff);
        }
    }
    acc
}

/// Counts numbers, words and other tokens in `s` with a state machine.
fn scan(s: &[u8]) -> (u32, u32, u32) {
    #[derive(Clone, Copy, PartialEq)]
    enum St {
        Start,
        Num,
        Word,
        Other,
    }
    let (mut nums, mut words, mut others) = (0, 0, 0);
    let mut st = St::Start;
    for &c in s {
        let next = match c {
            b'0'..=b'9' if st != St::Word => St::Num,
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => St::Word,
            b' ' | b',' => St::Start,
            _ => St::Other,
        };
        if next != st {
            match next {
                St::Num => nums += 1,
                St::Word => words += 1,
                St::Other => others += 1,
                St::Start => {}
            }
        }
        st = next;
    }
    (nums, words, others)
}

const TEXT: &[u8] = b"5012,1234 T0 -874 spam 127.0 x, eggs,+97.3 1e9 0x1F ham 42 ; 7 hello2";

/// Runs `iterations` rounds of the mix; returns the CRC of their results.
pub fn run(iterations: u32) -> u16 {
    let mut a = [[0i16; M]; M];
    let mut b = [[0i16; M]; M];
    for i in 0..M {
        for j in 0..M {
            a[i][j] = (i * 3 + j) as i16 - 9;
            b[i][j] = (j * 5) as i16 - (i as i16) * 2;
        }
    }
    let mut crc = 0u16;
    let mut list = List::new(0x3d);
    for it in 0..iterations {
        let v = list.val[(it as usize * 13) % NODES];
        let found = list.find(v ^ (it & 1) as i16);
        list.reverse();
        let m = matrix(&a, &b, it as i32);
        a[(it as usize) % M][(it as usize / M) % M] ^= m as i16 & 0xf;
        let (n, w, o) = scan(TEXT);
        for byte in (found as u32 ^ m as u32 ^ n ^ w << 8 ^ o << 16).to_le_bytes() {
            crc = crc16(crc, byte);
        }
    }
    crc
}
