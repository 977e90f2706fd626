//! Connection metadata: the properties of a READY command (RFC 23 §"The READY command").

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{Error, Malformation};

/// Ordered `(name, value)` properties, as sent in READY. Names compare case-insensitively.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    props: Vec<(String, Bytes)>,
}

impl Metadata {
    /// An empty property list.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of property `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<&Bytes> {
        self.props
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Sets property `name`, replacing an existing value of the same (case-insensitive) name in place.
    ///
    /// Only names of 1 to 255 bytes can be sent on the wire; others are kept but never encoded.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Bytes>) {
        let (name, value) = (name.into(), value.into());
        match self
            .props
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            Some(slot) => slot.1 = value,
            None => self.props.push((name, value)),
        }
    }

    /// The properties in insertion (wire) order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Bytes)> {
        self.props.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// Number of properties.
    pub fn len(&self) -> usize {
        self.props.len()
    }

    /// Whether there are no properties.
    pub fn is_empty(&self) -> bool {
        self.props.is_empty()
    }

    /// Appends one wire property. Returns `false` (and writes nothing) if the name is empty or longer
    /// than 255 bytes or the value does not fit a 32-bit length.
    pub(crate) fn encode_property(dst: &mut BytesMut, name: &str, value: &[u8]) -> bool {
        let (Ok(name_len @ 1..), Ok(value_len)) =
            (u8::try_from(name.len()), u32::try_from(value.len()))
        else {
            return false;
        };
        dst.reserve(1 + name.len() + 4 + value.len());
        dst.put_u8(name_len);
        dst.put_slice(name.as_bytes());
        dst.put_u32(value_len);
        dst.put_slice(value);
        true
    }

    /// Appends every encodable property in order.
    pub(crate) fn encode_into(&self, dst: &mut BytesMut) {
        for (name, value) in &self.props {
            Self::encode_property(dst, name, value);
        }
    }

    /// Parses `name-len(1) name value-len(4 BE) value` pairs covering all of `data`. Values share
    /// `data`'s buffer. A later duplicate name replaces the earlier value.
    pub(crate) fn parse(data: &Bytes) -> Result<Self, Error> {
        let bad = || Error::malformed(Malformation::Metadata);
        let mut meta = Self::new();
        let mut pos = 0;
        while pos < data.len() {
            let name_len = usize::from(*data.get(pos).ok_or_else(bad)?);
            let name = data.get(pos + 1..pos + 1 + name_len).ok_or_else(bad)?;
            pos += 1 + name_len;
            let len_bytes = data.get(pos..pos + 4).ok_or_else(bad)?;
            let value_len = u32::from_be_bytes(len_bytes.try_into().map_err(|_| bad())?);
            let value_len = usize::try_from(value_len).map_err(|_| bad())?;
            pos += 4;
            let end = pos
                .checked_add(value_len)
                .filter(|&e| e <= data.len())
                .ok_or_else(bad)?;
            meta.insert(
                String::from_utf8_lossy(name).into_owned(),
                data.slice(pos..end),
            );
            pos = end;
        }
        Ok(meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_get_and_replace() {
        let mut m = Metadata::new();
        m.insert("Socket-Type", "DEALER");
        m.insert("X-Foo", "1");
        m.insert("socket-type", "ROUTER");
        assert_eq!(m.len(), 2);
        assert_eq!(m.get("SOCKET-TYPE").map(|v| &v[..]), Some(&b"ROUTER"[..]));
        let names: Vec<_> = m.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["Socket-Type", "X-Foo"]);
    }

    #[test]
    fn encode_parse_round_trip() {
        let mut m = Metadata::new();
        m.insert("Socket-Type", "PUB");
        m.insert("Identity", Bytes::new());
        m.insert("X-Big", vec![7u8; 300]);
        m.insert("", "never sent");
        let mut buf = BytesMut::new();
        m.encode_into(&mut buf);
        let back = Metadata::parse(&buf.freeze()).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back.get("x-big").unwrap().len(), 300);
        assert_eq!(back.get("identity").unwrap().len(), 0);
    }

    #[test]
    fn truncated_metadata_is_an_error() {
        let mut buf = BytesMut::new();
        Metadata::encode_property(&mut buf, "Socket-Type", b"PUB");
        let full = buf.freeze();
        assert!(Metadata::parse(&full).is_ok());
        for cut in 1..full.len() {
            assert_eq!(
                Metadata::parse(&full.slice(..cut)),
                Err(Error::malformed(Malformation::Metadata)),
                "cut at {cut}"
            );
        }
        // A value length near u32::MAX must not overflow or allocate.
        let huge = Bytes::from_static(b"\x01A\xff\xff\xff\xff");
        assert!(Metadata::parse(&huge).is_err());
    }
}
