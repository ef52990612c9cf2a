"""Converts scikit-image's chelsea.png (Debian package python3-skimage) into the small grey-scale
PGM the B_D/A map demo reads. Run once with /usr/bin/python3; needs only the standard library.

usage: make_chelsea_pgm.py SOURCE_PNG OUT_PGM [WIDTH HEIGHT]
"""
import struct
import sys
import zlib


def read_png_rgb(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(path + ": not a PNG file")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace != 0:
        raise SystemExit("only 8-bit non-interlaced RGB/RGBA PNG is supported")
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, pos = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(line)
        previous = line
    grey = [[(299 * r[x * channels] + 587 * r[x * channels + 1] + 114 * r[x * channels + 2])
             / 1000.0 for x in range(width)] for r in rows]
    return width, height, grey


def box_resize(width, height, grey, out_w, out_h):
    out = []
    for j in range(out_h):
        y0, y1 = j * height // out_h, max((j + 1) * height // out_h, j * height // out_h + 1)
        row = []
        for i in range(out_w):
            x0, x1 = i * width // out_w, max((i + 1) * width // out_w, i * width // out_w + 1)
            total = sum(grey[y][x] for y in range(y0, y1) for x in range(x0, x1))
            row.append(int(round(total / ((y1 - y0) * (x1 - x0)))))
        out.append(row)
    return out


if __name__ == "__main__":
    source, target = sys.argv[1], sys.argv[2]
    out_w = int(sys.argv[3]) if len(sys.argv) > 3 else 72
    out_h = int(sys.argv[4]) if len(sys.argv) > 4 else 48
    w, h, g = read_png_rgb(source)
    small = box_resize(w, h, g, out_w, out_h)
    with open(target, "wb") as f:
        f.write(b"P5\n# chelsea.png from scikit-image (python3-skimage), CC0, grey, box-resized\n")
        f.write(b"%d %d\n255\n" % (out_w, out_h))
        f.write(bytes(v for row in small for v in row))
