//! A bounded buffer keeping the last bytes of a stream, for diagnostics.

use std::collections::VecDeque;

/// The last `capacity` bytes written to it.
#[derive(Debug)]
pub(crate) struct Tail {
    bytes: VecDeque<u8>,
    capacity: usize,
    /// Bytes dropped from the front so far.
    dropped: u64,
}

impl Tail {
    pub(crate) fn new(capacity: usize) -> Tail {
        Tail {
            bytes: VecDeque::with_capacity(capacity.min(8192)),
            capacity,
            dropped: 0,
        }
    }

    pub(crate) fn push(&mut self, data: &[u8]) {
        let data = if data.len() > self.capacity {
            let skip = data.len() - self.capacity;
            self.dropped += skip as u64;
            &data[skip..]
        } else {
            data
        };
        let overflow = (self.bytes.len() + data.len()).saturating_sub(self.capacity);
        if overflow > 0 {
            self.bytes.drain(..overflow);
            self.dropped += overflow as u64;
        }
        self.bytes.extend(data);
    }

    /// The kept bytes as text (invalid UTF-8, e.g. a character cut at the front, is replaced).
    pub(crate) fn to_text(&self) -> String {
        let (front, back) = self.bytes.as_slices();
        let mut joined = Vec::with_capacity(front.len() + back.len());
        joined.extend_from_slice(front);
        joined.extend_from_slice(back);
        String::from_utf8_lossy(&joined).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::Tail;

    #[test]
    fn keeps_only_the_last_bytes() {
        let mut tail = Tail::new(5);
        tail.push(b"abc");
        tail.push(b"defg");
        assert_eq!(tail.to_text(), "cdefg");
        tail.push(b"0123456789");
        assert_eq!(tail.to_text(), "56789");
        assert_eq!(tail.dropped, 12);
    }
}
