#!/usr/bin/python3
# Writes the seed corpora tests/fuzz/corpus/<harness>/ from the handwritten
# cases below (the files are committed; rerun after editing this list:
# /usr/bin/python3 tests/fuzz/make_seeds.py).  Formats: see each harness.
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX, REGEX, WHOLE, WHOLE_NOLOC = 0, 1, 2, 3


def rule(kind, pattern, target, path=None, args=None, s308=False):
    b = bytes([kind | (4 if s308 else 0)]) + pattern + b"\0" + target
    if path is not None:
        b += b"\0" + path
        if args is not None:
            b += b"\0" + args
    return b


SEEDS = {
    "rule": [
        rule(PREFIX, b"/old", b"/new", b"/old/x y", b"a=1"),
        rule(PREFIX, b"/old/", b"https://example.com/new/", b"/old/%2F/x"),
        rule(PREFIX, b"//a//b/", b"/c", b"/a/b//c"),
        rule(PREFIX, b"/a", b"/a/b"),              # loop: refused
        rule(PREFIX, b"/a", b"/x/../a?q"),         # loop via dots: refused
        rule(PREFIX, b"/a", b"/%61"),              # loop via escape: refused
        rule(PREFIX, b"/a/", b"/a", b"/a/"),       # not a loop
        rule(PREFIX, b"/", b"https://example.com", b"/x?y#z"),
        rule(PREFIX, b"/x", b"//evil.com"),        # protocol-relative
        rule(PREFIX, b"/x", b"/\\evil.com", b"/x/y"),
        rule(PREFIX, b"/x", b"/a b\"<>", b"/x/\r\n"),
        rule(PREFIX, b"/x", b"/a\tb"),             # control: refused
        rule(PREFIX, b"x", b"/y"),                 # no leading '/'
        rule(PREFIX, b"/x", b"http://"),           # no host
        rule(PREFIX, b"/x", b"http://@h/"),
        rule(PREFIX, b"/x", b"http://h h/"),
        rule(PREFIX, b"/x", b"HTTP+x.y-z://h:8080?q#f", b"/x/a", b"b=1"),
        rule(PREFIX, b"/x", b"https://h#frag", b"/x/a", b"q"),
        rule(PREFIX, b"/x", b"1http://h/"),
        rule(PREFIX, b"/x", b"", b"/x"),
        rule(REGEX, b"^/old/(.*)$", b"/new/$1", b"/old/a b%?#"),
        rule(REGEX, b"^/(.*)", b"/$1", b"//evil.com"),
        rule(REGEX, b"^/(.*)", b"https://$1/", b"/evil.com"),   # refused
        rule(REGEX, b"^/(.*)", b"https://h$1.example/"),        # refused
        rule(REGEX, b"^/(.*)", b"https://h/\\$1\\\\", b"/x"),
        rule(REGEX, b"^/(a)(b)?", b"/$2$1$0", b"/a"),
        rule(REGEX, b"^/(.*)", b"/$2"),                         # no group 2
        rule(REGEX, b"(", b"/x"),                               # bad regex
        rule(REGEX, b"", b"/x"),
        rule(REGEX, b"(?i)^/A(.*)", b"/b?x=$1&y#$1", b"/a&b=c#d"),
        rule(REGEX, b"(.*)", b"https://h?$1", b"/a?b", b"c=d"),
        rule(REGEX, b"^/((((((((((a))))))))))", b"/$9$0", b"/a"),
        rule(REGEX, b"(?=(x))", b"/$1", b"x"),
        rule(REGEX, b"^/\\x{e9}(.*)", b"/\xc3\xa9/$1", b"/\xe9\xff"),
        rule(WHOLE, b"/loc", b"/elsewhere", b"/loc/x", b"a"),
        rule(WHOLE, b"/loc", b"/loc/x"),                        # loop
        rule(WHOLE, b"/loc/", b"/loc", b"/loc/"),
        rule(WHOLE_NOLOC, b"", b"https://example.com/", b"/any", b"q"),
        rule(WHOLE_NOLOC, b"", b"/$1", b"/x"),
        bytes([0x80 | 2]) + b"/x\0/y",                          # status 302
        rule(PREFIX, b"/x", b"/y", b"/x", b"", s308=True),
    ],
    "location": [
        bytes([0]) + b"/old/a b\0x=1",
        bytes([0]) + b"/old/%2e%2e/\r\nSet-Cookie: a\0",
        bytes([1]) + b"/u/bob/2?x#y\0q=1",
        bytes([2]) + b"//evil.com",
        bytes([2]) + b"/\\evil.com",
        bytes([2]) + b"/\t/evil.com",
        bytes([3]) + b"/\xc3\xa9\x80\xff",
        bytes([4]) + b"/aXbY\0a=b#c",
        bytes([5]) + b"/q/a&b=c;d+e?f#g\0z",
        bytes([6]) + b"/case/ x",
        bytes([7]) + b"/\0",
        bytes([7]) + b"/xy",
        bytes([8]) + b"/e/$1\\",
        bytes([9]) + b"/a/rest",
        bytes([10]) + b"/f/#?",
        bytes([11]) + b"/s<>\0a=\"b\"",
        bytes([12]) + b"/anything\0q",
        bytes([13]) + b"/x?y&z=1\0a=1",
        bytes([14]) + b"/%",
        bytes([15]) + b"/x",
        bytes([16]) + b"/old/x/../y\0a",
        bytes([16]) + b"/older",
        bytes([17]) + b"//x//y\0%0d%0a",
        bytes([18]) + b"/p/a b\0c",
        bytes([19]) + b"/h/x\0q=1",
        bytes([20]) + b"/a/b/c",
        bytes([21]) + b"/any\0a=1",
        bytes([22]) + b"/any\0a=1",
        bytes([0x80]) + b"^/(.*)\0/$1\0//evil.com\0q",
        bytes([0x80]) + b"(.*)\0https://h/x?y=$1#$1\0/a#b?c\0",
        bytes([0x80]) + b"^(.*)$\0/\\$1/$1\0/x",
        bytes([0xc0]) + b"/a\0/b?c#d\0/a/x y\0e=f",
        bytes([0xc0]) + b"/a/\0https://h\0/a//b\0",
        bytes([0xc0]) + b"/\0https://h:443\0/%\0%",
    ],
    "match": [
        b"P/a\t/x\nP/a/b\t/y\nU/a/b\nU/a\nU/ab\nU//a//b/c",
        b"R^/a(.*)\t/r$1\nP/a\t/p\nU/a/b\tq=1\nU/b",
        b"P/a\t/p\nR^/a(.*)\t/r$1\nU/a/b\nU/abc",
        b"P/\thttps://h\nP/x\t/y\nU/x\nU/\nU",
        b"W/whole\nP/a\t/p\nU/a\nU/z",
        b"P/a\t/p\nW/whole\nU/a\nU/z",
        b"M/a /m1|/b https://h/m2 308\nP/a\t/p\nU/a\nU//a\nU/b\tx=1",
        b"P/a\t/p\nM/a /m1\nU/a\nU/a/",
        b"R^/x$\t/r\nM/x /m|/y /n\nP/\thttps://h\nU/x\nU/y\nU/z",
        b"M/caf%C3%A9 /cafe|/a%2Fb /ab\nU/caf\xc3\xa9\nU/a/b\nU/a%2Fb",
        b"P/a/\t/x\nP/a\t/y\nU/a\nU/a/\nU/a//",
        b"P/a\t/x\nP/a\t/y\nU/a",
        b"R(?i)^/A\t/x\nU/a\nU/A",
        b"R^/(x)(y)?(z)\t/$1$2$3\nU/xz",
        b"P/a\t/b\nP/b\t/c\nP/c\t/d\nR.\t/e\nU/c\nU/d\nU/\nU",
        b"M# comment||/a\t/x\r|/b /y 307\nU/a\nU/b",
        b"P/x y\t/z\nU/x y/q\nU/x",
        b"R\t/x\nR(\t/x\nP\t/x\nPx\t/y\nU/x",
        b"P/a\t/b\nR^/a\t/c\nM/a/b /d\nW/e\nU/a/b\nU/a/c\nU/q",
    ],
    "map": [
        b"/a /b\n",
        b"/a /b 308\n/c https://example.com/c 307\n",
        b"# comment\n\n   \n\t# indented comment\n/a\t\t/b\r\n",
        b"/caf%C3%A9 /cafe\n/a%2Fb /ab\n",
        b"/a//b/ /c\n",
        b"/a /a\n",                            # loop
        b"/a /x/../a\n",                       # loop via dots
        b"/a%2F /a/\n",                        # loop via escape
        b"/a /b\n/a /c\n",                     # duplicate
        b"/a /b\n//a /c\n",                    # duplicate after collapse
        b"/a /b 302\n",
        b"/a /b 307 x\n",
        b"/a\n",
        b"a /b\n",
        b"/a%00 /b\n",
        b"/a //evil.com\n",
        b"/a /b\0\n",
        b"/a http://\n",
        b"/a https://h?x=1#f\n/b https://h#f\n/c /d?e\n",
        b"/x /a b\"<>\\^`{|}\n",
        b"/x /\xc3\xa9\xff\n",
        b"/x /y\r",
        b"/%zz /y\n/%4 /z\n/% /w\n",
        b"/a%252F /b\n",
        b"",
        b"\n\n\n",
        b"/a /b\n/c /d\n/e /f\n/g /h\n/i /j\n/k /l\n/m /n\n/o /p\n",
    ],
    "url_same": [
        b"http://h/a\0http://H:80/a\0HTTP://h:80/a#f",
        b"https://h\0https://h/\0https://h:443/",
        b"https://h:443x/\0https://h/",
        b"http://h:8080/a?b\0http://h:8080/a?B",
        b"/a\0/a\0/a#f",
        b"://x\0://x",
        b"http://\0http://:80\0http:///",
        b"http://[::1]:80/\0http://[::1]/",
        b"http://u@h:80/\0http://u@h/",
        b"ftp://h:80/\0ftp://h/",
        b"http://h/a#x\0http://h/a#y\0http://h/a",
        b"http://h:\0http://h\0http://h:/",
        b"a://b://c\0A://b://c",
    ],
    "escape": [
        b"",
        b"/",
        b"abcXYZ019-._~!$&'()*+,;=:@/",
        b"% ?#\"<>\\^`{|}[]",
        b"\r\n\t\x00\x7f\x80\xff",
        b"/a//b///c\0/a/b",
        b"/a/./b/../c/.\0/a/",
        b"/..\0/",
        b"a/b/..\0/a",
        b"/a/b/../../..\0/a",
        b"//\0//",
        b"/old\0/old",
        b"/older\0/old",
        b"/old/\0/old/",
        b"/old\0/old/",
        b"%41%4a%zz%4%",
        b"%2e%2E/%2F",
        b"/caf\xc3\xa9\0/caf",
        b".\0/.",
        b"/a/b/.\0/a/b/",
    ],
}


def main():
    for harness, seeds in SEEDS.items():
        d = os.path.join(HERE, "corpus", harness)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        for i, seed in enumerate(seeds):
            with open(os.path.join(d, "seed-%02d" % i), "wb") as f:
                f.write(seed)
        print("%s: %d seeds" % (harness, len(seeds)))


if __name__ == "__main__":
    main()
