#!/usr/bin/python3
"""Reads Jane Austen's six novels from Debian's r-cran-janeaustenr package.

The corpus: Emma, Mansfield Park, Northanger Abbey, Persuasion, Pride and
Prejudice, Sense and Sensibility, as Project Gutenberg prints them, one line of
the printed text per element (empty lines between paragraphs). The novels are
in the public domain (Austen died in 1817); the R package around them is MIT
(/usr/share/doc/r-cran-janeaustenr/copyright). Debian 12:
`apt-get install r-cran-janeaustenr` (it pulls in r-base-core; R itself is not
run: this module reads the package's data files directly).

The package keeps the novels in R's lazy-load database,
/usr/lib/R/site-library/janeaustenr/data/Rdata.{rdx,rdb}:
  - Rdata.rdx: gzip of an R serialization (XDR, "X\\n", version 2 or 3) of
    list(variables = list(NAME = c(offset, length), ...), references = ...,
    compressed = TRUE);
  - Rdata.rdb: at each (offset, length), a big-endian u32 of the inflated size
    and a zlib stream (compressed = TRUE) of an R serialization of the object,
    here a character vector (STRSXP) of CHARSXP lines.
Format: R Internals, "Serialization formats" and "Lazy loading"
(https://cran.r-project.org/doc/manuals/r-release/R-ints.html). The reader
below handles the SEXP types these two files use and refuses others.

Library use:
    import austen_corpus
    books = austen_corpus.read_books()   # {"emma": [line, ...], ...}
"""
import gzip
import os
import struct
import zlib

DEFAULT_DIR = "/usr/lib/R/site-library/janeaustenr/data"
BOOKS = ("emma", "mansfieldpark", "northangerabbey", "persuasion",
         "prideprejudice", "sensesensibility")

# SEXP types (R Internals, "Serialization formats"; Rinternals.h).
_REFSXP, _NILVALUE_SXP, _SYMSXP, _LISTSXP, _CHARSXP, _LGLSXP, _INTSXP, _REALSXP, _STRSXP, \
    _VECSXP = 255, 254, 1, 2, 9, 10, 13, 14, 16, 19


class _Reader:
    """A minimal reader of R's XDR serialization (the types used above)."""

    def __init__(self, data, what):
        self.data, self.pos, self.what = data, 0, what
        self.refs = []  # symbols read so far, for REFSXP

    def fail(self, msg):
        raise ValueError("%s: byte %d: %s" % (self.what, self.pos, msg))

    def int(self):
        if self.pos + 4 > len(self.data):
            self.fail("truncated")
        (v,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return v

    def header(self):
        if self.data[:2] != b"X\n":
            self.fail("not an XDR R serialization")
        self.pos = 2
        version = self.int()
        self.int()  # writer's R version
        self.int()  # minimal R version to read it
        if version == 3:
            n = self.int()  # native encoding name
            self.pos += n
        elif version != 2:
            self.fail("serialization version %d" % version)

    def item(self):
        flags = self.int()
        sxp = flags & 0xFF
        has_attr = bool(flags & (1 << 9))
        has_tag = bool(flags & (1 << 10))
        if sxp == _NILVALUE_SXP:
            return None
        if sxp == _CHARSXP:
            n = self.int()
            if n == -1:
                return None  # NA_character_
            s = self.data[self.pos:self.pos + n]
            self.pos += n
            return s.decode("utf-8")
        if sxp == _LISTSXP:  # pairlist (attributes): [(tag, value), ...]
            out = []
            while sxp == _LISTSXP:
                if has_attr:
                    self.item()
                tag = self.item() if has_tag else None
                out.append((tag, self.item()))
                flags = self.int()
                sxp, has_attr, has_tag = flags & 0xFF, bool(flags & 512), bool(flags & 1024)
            if sxp != _NILVALUE_SXP:
                self.fail("pairlist ends in SEXP type %d" % sxp)
            return out
        if sxp == _SYMSXP:  # its name, a CHARSXP; later REFSXPs name it
            self.refs.append(self.item())
            return self.refs[-1]
        if sxp == _REFSXP:  # index (from 1) in flags >> 8, else the next int
            i = flags >> 8 or self.int()
            if not 1 <= i <= len(self.refs):
                self.fail("reference %d of %d" % (i, len(self.refs)))
            return self.refs[i - 1]
        if sxp in (_LGLSXP, _INTSXP, _REALSXP, _STRSXP, _VECSXP):
            n = self.int()
            if n < 0:
                self.fail("long vectors are not supported")
            if sxp in (_LGLSXP, _INTSXP):
                v = list(struct.unpack_from(">%di" % n, self.data, self.pos))
                self.pos += 4 * n
            elif sxp == _REALSXP:
                v = list(struct.unpack_from(">%dd" % n, self.data, self.pos))
                self.pos += 8 * n
            else:
                v = [self.item() for _ in range(n)]
            if has_attr:
                attrs = dict(self.item())
                names = attrs.get("names")
                if names is not None and sxp == _VECSXP:
                    return dict(zip(names, v))
            return v
        self.fail("SEXP type %d is not supported here" % sxp)


def read_books(data_dir=DEFAULT_DIR):
    """{book name: list of lines (str)} for the six novels, in BOOKS order.
    NA lines (none in 1.0.0) are dropped. Errors name the file and byte."""
    rdx_path = os.path.join(data_dir, "Rdata.rdx")
    rdb_path = os.path.join(data_dir, "Rdata.rdb")
    if not os.path.exists(rdx_path):
        raise FileNotFoundError(
            "%s: not found; install Debian's r-cran-janeaustenr" % rdx_path)
    index = _Reader(gzip.decompress(open(rdx_path, "rb").read()), rdx_path)
    index.header()
    toc = index.item()
    if toc.get("compressed") != [1]:
        raise ValueError("%s: only zlib-compressed databases (compressed = TRUE) "
                         "are supported" % rdx_path)
    rdb = open(rdb_path, "rb").read()
    books = {}
    for name in BOOKS:
        if name not in toc["variables"]:
            raise ValueError("%s: no variable %r" % (rdx_path, name))
        offset, length = (int(x) for x in toc["variables"][name])
        blob = rdb[offset:offset + length]
        (size,) = struct.unpack(">I", blob[:4])
        data = zlib.decompress(blob[4:])
        if len(data) != size:
            raise ValueError("%s: %s: %d bytes inflated, the header says %d"
                             % (rdb_path, name, len(data), size))
        r = _Reader(data, "%s (%s)" % (rdb_path, name))
        r.header()
        lines = r.item()
        books[name] = [s for s in lines if s is not None]
    return books


if __name__ == "__main__":
    for book, lines in read_books().items():
        print("%-18s %6d lines %8d characters"
              % (book, len(lines), sum(len(s) + 1 for s in lines)))
