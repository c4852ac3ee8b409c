//! Reading a delivery's body within the limit: a `Content-Length` over it is refused before a
//! byte is read, and a body without one (chunked) is read only until it passes the limit.

use axum::body::Body;
use axum::http::{HeaderMap, header};
use futures_util::StreamExt as _;

/// Why a body was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// It is (or says it is) larger than the limit.
    TooLarge,
    /// The connection failed while it was read.
    Read(String),
}

/// The body, at most `max` bytes.
pub(crate) async fn read_within(
    headers: &HeaderMap,
    body: Body,
    max: u64,
) -> Result<Vec<u8>, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > max) {
        return Err(BodyError::TooLarge);
    }
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    let mut read = Vec::with_capacity(
        declared
            .and_then(|length| usize::try_from(length).ok())
            .unwrap_or(0)
            .min(limit),
    );
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|error| BodyError::Read(error.to_string()))?;
        if read.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        read.extend_from_slice(&chunk);
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn length(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_LENGTH,
            HeaderValue::from_str(value).expect("a header value"),
        );
        headers
    }

    /// A body that fails if it is read at all.
    fn unreadable() -> Body {
        Body::from_stream(futures_util::stream::once(async {
            Err::<Vec<u8>, std::io::Error>(std::io::Error::other("the body was read"))
        }))
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_is_refused_without_reading() {
        assert_eq!(
            read_within(&length("1025"), unreadable(), 1024).await,
            Err(BodyError::TooLarge)
        );
    }

    #[tokio::test]
    async fn a_body_without_a_length_is_read_only_to_the_limit() {
        let chunks = futures_util::stream::iter([
            Ok::<_, std::io::Error>(vec![b'a'; 600]),
            Ok(vec![b'b'; 600]),
        ])
        .chain(futures_util::stream::once(async {
            Err(std::io::Error::other("read past the limit"))
        }));
        assert_eq!(
            read_within(&HeaderMap::new(), Body::from_stream(chunks), 1024).await,
            Err(BodyError::TooLarge)
        );
        assert_eq!(
            read_within(&length("5"), Body::from("hello"), 5).await,
            Ok(b"hello".to_vec())
        );
    }
}
