#!/usr/bin/env python3
"""A translating proxy in front of fake-gcs-server for object_store's GCS client.

object_store talks to GCS through the XML API. fake-gcs-server answers the XML
API's downloads (GET/HEAD /{bucket}/{object}), deletes and a basic bucket list,
but refuses its uploads (fake-gcs-server issue #331). This proxy forwards every
request unchanged except the ones it translates to the JSON API:

* ``PUT /{bucket}/{object}`` (single-request upload) -> multipart JSON upload
  carrying Content-Type, Cache-Control, Content-Disposition, Content-Encoding,
  Content-Language and ``x-goog-meta-*``; ``x-goog-if-generation-match`` is
  enforced here (fake-gcs-server ignores ``ifGenerationMatch`` on uploads).
* ``PUT /{bucket}/{object}`` with ``x-goog-copy-source`` -> JSON ``copyTo``.
* XML multipart uploads (``POST ?uploads``, ``PUT ?partNumber&uploadId``,
  ``POST ?uploadId``, ``DELETE ?uploadId``): parts are kept in memory and
  the object is uploaded whole on completion.
* ``GET /{bucket}?list-type=2`` -> JSON list, rendered as ListBucketResult
  (honours prefix, delimiter, max-keys, start-after, continuation-token).
* Conditional GET/HEAD (If-Match, If-None-Match, If-Modified-Since,
  If-Unmodified-Since) are evaluated here, since fake-gcs-server ignores them.

Answers follow the XML API: 200 with a quoted ``ETag`` and ``x-goog-generation``
for uploads, 412 when a precondition fails, 304 for not-modified reads.

Standard library only. Usage:
    gcs_proxy.py --listen 127.0.0.1:PORT --upstream http://127.0.0.1:UPSTREAM_PORT
"""

import argparse
import email.utils
import hashlib
import http.client
import json
import sys
import threading
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
}

# Object attributes that the XML API takes as headers and the JSON API as metadata fields.
ATTRIBUTE_HEADERS = {
    "content-type": "contentType",
    "cache-control": "cacheControl",
    "content-disposition": "contentDisposition",
    "content-encoding": "contentEncoding",
    "content-language": "contentLanguage",
}
META_PREFIX = "x-goog-meta-"

UPSTREAM = None  # (host, port), set in main()

_locks_guard = threading.Lock()
_locks = {}
_uploads_guard = threading.Lock()
_uploads = {}  # upload id -> {"bucket", "name", "meta", "parts": {n: (etag, bytes)}}


def object_lock(bucket, name):
    """A lock per object, so a precondition check and its write are atomic
    with respect to every other write made through this proxy."""
    with _locks_guard:
        return _locks.setdefault((bucket, name), threading.Lock())


def q(s):
    return urllib.parse.quote(s, safe="")


def upstream(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(UPSTREAM[0], UPSTREAM[1], timeout=300)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.getheaders(), data
    finally:
        conn.close()


def object_meta(bucket, name):
    """The JSON metadata of an object, or None when it does not exist."""
    status, _, data = upstream("GET", f"/storage/v1/b/{q(bucket)}/o/{q(name)}")
    if status == 404:
        return None
    if status != 200:
        raise UpstreamError(status, data)
    return json.loads(data)


class UpstreamError(Exception):
    def __init__(self, status, body):
        super().__init__(f"upstream answered {status}")
        self.status = status
        self.body = body


def check_generation(bucket, name, want):
    """Enforce x-goog-if-generation-match; returns None or an error tuple."""
    if want is None:
        return None
    meta = object_meta(bucket, name)
    current = meta["generation"] if meta else "0"
    if str(current) != str(want).strip():
        return (412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.")
    return None


def upload(bucket, name, data, meta_fields):
    """Upload an object whole through the JSON API; returns its JSON resource."""
    boundary = "gcsproxy" + uuid.uuid4().hex
    metadata = dict(meta_fields)
    metadata["name"] = name
    metadata.setdefault("contentType", "application/octet-stream")
    body = b"".join(
        [
            f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode(),
            json.dumps(metadata).encode(),
            f"\r\n--{boundary}\r\nContent-Type: {metadata['contentType']}\r\n\r\n".encode(),
            data,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    status, _, resp = upstream(
        "POST",
        f"/upload/storage/v1/b/{q(bucket)}/o?uploadType=multipart",
        body=body,
        headers={
            "Content-Type": f"multipart/related; boundary={boundary}",
            "Content-Length": str(len(body)),
        },
    )
    if status != 200:
        raise UpstreamError(status, resp)
    return json.loads(resp)


def meta_from_headers(headers):
    fields = {}
    custom = {}
    for k, v in headers.items():
        lk = k.lower()
        if lk in ATTRIBUTE_HEADERS:
            fields[ATTRIBUTE_HEADERS[lk]] = v
        elif lk.startswith(META_PREFIX):
            custom[lk[len(META_PREFIX):]] = v
    if custom:
        fields["metadata"] = custom
    return fields


def etag_of(resource):
    tag = resource.get("etag") or resource.get("md5Hash") or ""
    return f'"{tag}"'


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gcs-proxy"

    def log_message(self, fmt, *args):
        sys.stderr.write("gcs-proxy: %s %s\n" % (self.address_string(), fmt % args))

    # ---- plumbing -------------------------------------------------------

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, status, headers=(), body=b""):
        self.send_response(status)
        sent_length = False
        for k, v in headers:
            lk = k.lower()
            if lk in HOP_BY_HOP or lk == "date" or lk == "server":
                continue
            if lk == "content-length":
                sent_length = True
            self.send_header(k, v)
        if not sent_length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def xml_error(self, status, code, message):
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
        ).encode()
        self.reply(status, [("Content-Type", "application/xml; charset=UTF-8")], body)

    def forward(self, body):
        # Host is left for http.client to set: fake-gcs-server routes by it (-public-host).
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
        if body or self.command in ("PUT", "POST", "PATCH"):
            headers["Content-Length"] = str(len(body))
        status, resp_headers, data = upstream(self.command, self.path, body=body or None, headers=headers)
        if self.command == "HEAD":
            # Keep the upstream Content-Length (the object size), send no body.
            self.reply(status, resp_headers)
        else:
            self.reply(status, [(k, v) for k, v in resp_headers if k.lower() != "content-length"], data)

    def parse(self):
        raw_path, _, raw_query = self.path.partition("?")
        query = urllib.parse.parse_qs(raw_query, keep_blank_values=True)
        parts = raw_path.lstrip("/").split("/", 1)
        bucket = urllib.parse.unquote(parts[0]) if parts[0] else None
        name = urllib.parse.unquote(parts[1]) if len(parts) > 1 and parts[1] else None
        return raw_path, query, bucket, name

    def is_json_api(self, raw_path):
        return raw_path.startswith(("/storage/", "/upload/", "/download/", "/_internal/", "/batch/"))

    def handle_errors(self, fn, *args):
        try:
            fn(*args)
        except UpstreamError as e:
            self.reply(e.status, [("Content-Type", "application/json")], e.body)
        except (ConnectionError, OSError) as e:
            self.xml_error(502, "BadGateway", f"fake-gcs-server unreachable: {e}")

    # ---- verbs ----------------------------------------------------------

    def do_GET(self):
        self.handle_errors(self._get)

    def do_HEAD(self):
        self.handle_errors(self._get)

    def do_PUT(self):
        self.handle_errors(self._put)

    def do_POST(self):
        self.handle_errors(self._post)

    def do_DELETE(self):
        self.handle_errors(self._delete)

    def do_PATCH(self):
        self.handle_errors(self.forward, self.read_body())

    # ---- reads ----------------------------------------------------------

    def _get(self):
        raw_path, query, bucket, name = self.parse()
        if self.is_json_api(raw_path) or bucket is None:
            return self.forward(b"")
        if name is None and self.command == "GET" and "list-type" in query:
            return self.list_objects(bucket, query)
        if name is not None and self.precondition_failed(bucket, name, query):
            return
        return self.forward(b"")

    def precondition_failed(self, bucket, name, query):
        h = self.headers
        if_match = h.get("If-Match")
        if_none = h.get("If-None-Match")
        if_mod = h.get("If-Modified-Since")
        if_unmod = h.get("If-Unmodified-Since")
        if not (if_match or if_none or if_mod or if_unmod):
            return False
        path = f"/{q(bucket)}/{q(name)}"
        if "generation" in query:
            path += "?generation=" + q(query["generation"][0])
        status, headers, _ = upstream("HEAD", path)
        if status != 200:
            return False  # let the real request produce the 404
        hd = {k.lower(): v for k, v in headers}
        etag = hd.get("etag", "")
        modified = email.utils.parsedate_to_datetime(hd["last-modified"]) if "last-modified" in hd else None

        def matches(spec):
            tags = [t.strip() for t in spec.split(",")]
            return "*" in tags or etag in tags or etag.strip('"') in [t.strip('"') for t in tags]

        def when(v):
            try:
                return email.utils.parsedate_to_datetime(v)
            except (TypeError, ValueError):
                return None

        keep = [(k, v) for k, v in headers if k.lower() in ("etag", "last-modified", "x-goog-generation")]
        if if_match and not matches(if_match):
            self.xml_error(412, "PreconditionFailed", "If-Match did not hold.")
            return True
        if if_unmod and modified and when(if_unmod) and modified > when(if_unmod):
            self.xml_error(412, "PreconditionFailed", "If-Unmodified-Since did not hold.")
            return True
        if if_none and matches(if_none):
            self.reply(304, keep)
            return True
        if if_mod and not if_none and modified and when(if_mod) and modified <= when(if_mod):
            self.reply(304, keep)
            return True
        return False

    def list_objects(self, bucket, query):
        def one(k):
            v = query.get(k)
            return v[0] if v else None

        prefix = one("prefix") or ""
        delimiter = one("delimiter")
        start_after = one("start-after")
        token = one("continuation-token")
        max_keys = one("max-keys")
        params = {"prefix": prefix}
        if delimiter:
            params["delimiter"] = delimiter
        if token:
            params["pageToken"] = token
        elif start_after:
            params["startOffset"] = start_after  # inclusive: the key itself is dropped below
        if max_keys:
            params["maxResults"] = max_keys
        status, _, data = upstream("GET", f"/storage/v1/b/{q(bucket)}/o?" + urllib.parse.urlencode(params))
        if status == 404:
            return self.xml_error(404, "NoSuchBucket", "The specified bucket does not exist.")
        if status != 200:
            raise UpstreamError(status, data)
        listing = json.loads(data)
        items = [i for i in listing.get("items", []) if i["name"] != start_after]
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            "<ListBucketResult>",
            f"<Name>{escape(bucket)}</Name>",
            f"<Prefix>{escape(prefix)}</Prefix>",
        ]
        if delimiter:
            out.append(f"<Delimiter>{escape(delimiter)}</Delimiter>")
        out.append(f"<KeyCount>{len(items) + len(listing.get('prefixes', []))}</KeyCount>")
        next_token = listing.get("nextPageToken")
        out.append(f"<IsTruncated>{'true' if next_token else 'false'}</IsTruncated>")
        if next_token:
            out.append(f"<NextContinuationToken>{escape(next_token)}</NextContinuationToken>")
        for i in items:
            out.append(
                "<Contents>"
                f"<Key>{escape(i['name'])}</Key>"
                f"<Generation>{escape(str(i.get('generation', '')))}</Generation>"
                f"<LastModified>{escape(i.get('updated') or i.get('timeCreated'))}</LastModified>"
                f"<ETag>{escape(etag_of(i))}</ETag>"
                f"<Size>{int(i.get('size', 0))}</Size>"
                "</Contents>"
            )
        for p in listing.get("prefixes", []):
            out.append(f"<CommonPrefixes><Prefix>{escape(p)}</Prefix></CommonPrefixes>")
        out.append("</ListBucketResult>")
        self.reply(200, [("Content-Type", "application/xml; charset=UTF-8")], "".join(out).encode())

    # ---- writes ---------------------------------------------------------

    def _put(self):
        raw_path, query, bucket, name = self.parse()
        body = self.read_body()
        if self.is_json_api(raw_path) or bucket is None or name is None:
            return self.forward(body)
        if "uploadId" in query or "partNumber" in query:
            return self.put_part(query, body)
        if self.headers.get("x-goog-copy-source"):
            return self.copy(bucket, name)
        want = self.headers.get("x-goog-if-generation-match")
        with object_lock(bucket, name):
            err = check_generation(bucket, name, want)
            if err:
                return self.xml_error(*err)
            resource = upload(bucket, name, body, meta_from_headers(self.headers))
        self.reply_object(resource)

    def reply_object(self, resource, body=b"", content_type=None):
        headers = [("ETag", etag_of(resource)), ("x-goog-generation", str(resource.get("generation", "")))]
        if resource.get("metageneration"):
            headers.append(("x-goog-metageneration", str(resource["metageneration"])))
        if content_type:
            headers.append(("Content-Type", content_type))
        self.reply(200, headers, body)

    def copy(self, bucket, name):
        src = urllib.parse.unquote(self.headers["x-goog-copy-source"].lstrip("/"))
        src_bucket, _, src_name = src.partition("/")
        if "?" in src_name:
            src_name = src_name.split("?", 1)[0]
        want = self.headers.get("x-goog-if-generation-match")
        with object_lock(bucket, name):
            err = check_generation(bucket, name, want)
            if err:
                return self.xml_error(*err)
            status, _, data = upstream(
                "POST",
                f"/storage/v1/b/{q(src_bucket)}/o/{q(src_name)}/copyTo/b/{q(bucket)}/o/{q(name)}",
                body=b"",
                headers={"Content-Length": "0"},
            )
        if status == 404:
            return self.xml_error(404, "NoSuchKey", "The specified key does not exist.")
        if status != 200:
            raise UpstreamError(status, data)
        resource = json.loads(data)
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult>'
            f"<LastModified>{escape(resource.get('updated', ''))}</LastModified>"
            f"<ETag>{escape(etag_of(resource))}</ETag></CopyObjectResult>"
        ).encode()
        self.reply_object(resource, xml, "application/xml; charset=UTF-8")

    def _post(self):
        raw_path, query, bucket, name = self.parse()
        body = self.read_body()
        if self.is_json_api(raw_path) or bucket is None or name is None:
            return self.forward(body)
        if "uploads" in query:
            return self.initiate(bucket, name)
        if "uploadId" in query:
            return self.complete(bucket, name, query["uploadId"][0], body)
        return self.forward(body)

    def _delete(self):
        raw_path, query, bucket, name = self.parse()
        body = self.read_body()
        if not self.is_json_api(raw_path) and name is not None and "uploadId" in query:
            with _uploads_guard:
                _uploads.pop(query["uploadId"][0], None)
            return self.reply(204)
        return self.forward(body)

    # ---- XML multipart uploads -----------------------------------------

    def initiate(self, bucket, name):
        upload_id = uuid.uuid4().hex
        with _uploads_guard:
            _uploads[upload_id] = {
                "bucket": bucket,
                "name": name,
                "meta": meta_from_headers(self.headers),
                "parts": {},
            }
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult>'
            f"<Bucket>{escape(bucket)}</Bucket><Key>{escape(name)}</Key>"
            f"<UploadId>{upload_id}</UploadId></InitiateMultipartUploadResult>"
        ).encode()
        self.reply(200, [("Content-Type", "application/xml; charset=UTF-8")], xml)

    def put_part(self, query, body):
        upload_id = (query.get("uploadId") or [""])[0]
        try:
            number = int((query.get("partNumber") or [""])[0])
        except ValueError:
            return self.xml_error(400, "InvalidArgument", "partNumber must be an integer.")
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        with _uploads_guard:
            up = _uploads.get(upload_id)
            if up is None:
                return self.xml_error(404, "NoSuchUpload", "The specified multipart upload does not exist.")
            up["parts"][number] = (etag, body)
        self.reply(200, [("ETag", etag)])

    def complete(self, bucket, name, upload_id, body):
        with _uploads_guard:
            up = _uploads.get(upload_id)
        if up is None or up["bucket"] != bucket or up["name"] != name:
            return self.xml_error(404, "NoSuchUpload", "The specified multipart upload does not exist.")
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return self.xml_error(400, "MalformedXML", "The XML you provided was not well-formed.")
        chunks = []
        for part in root.iter():
            if part.tag.split("}")[-1] != "Part":
                continue
            fields = {c.tag.split("}")[-1]: (c.text or "").strip() for c in part}
            try:
                number = int(fields.get("PartNumber", ""))
            except ValueError:
                return self.xml_error(400, "InvalidPart", "Part without a PartNumber.")
            stored = up["parts"].get(number)
            if stored is None or stored[0].strip('"') != fields.get("ETag", "").strip('"'):
                return self.xml_error(400, "InvalidPart", f"Part {number} was not uploaded or its ETag differs.")
            chunks.append(stored[1])
        if not chunks:
            return self.xml_error(400, "InvalidRequest", "A multipart upload needs at least one part.")
        with object_lock(bucket, name):
            resource = upload(bucket, name, b"".join(chunks), up["meta"])
        with _uploads_guard:
            _uploads.pop(upload_id, None)
        host = self.headers.get("Host", "")
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult>'
            f"<Location>http://{escape(host)}/{escape(q(bucket))}/{escape(q(name))}</Location>"
            f"<Bucket>{escape(bucket)}</Bucket><Key>{escape(name)}</Key>"
            f"<ETag>{escape(etag_of(resource))}</ETag></CompleteMultipartUploadResult>"
        ).encode()
        self.reply_object(resource, xml, "application/xml; charset=UTF-8")


def main():
    global UPSTREAM
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT to serve on")
    ap.add_argument("--upstream", required=True, help="fake-gcs-server base URL (http://HOST:PORT)")
    args = ap.parse_args()
    up = urllib.parse.urlsplit(args.upstream)
    if up.scheme != "http" or not up.hostname:
        ap.error("--upstream must be an http:// URL")
    UPSTREAM = (up.hostname, up.port or 80)
    host, _, port = args.listen.rpartition(":")
    server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler)
    server.daemon_threads = True
    sys.stderr.write(f"gcs-proxy: listening on {server.server_address[0]}:{server.server_address[1]}, upstream {args.upstream}\n")
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
