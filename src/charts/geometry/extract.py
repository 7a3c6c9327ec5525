#!/usr/bin/env python3
"""Extracts California's 58 counties from us-atlas's counties-10m.json (TopoJSON, longitude and
latitude) into ca_counties.json beside this script: each county's FIPS code, name and outer
rings, projected once with California Albers (equal-area conic, standard parallels 34 and
40.5 N, central meridian 120 W) and scaled to a 1000-unit-wide frame, y downwards, to 0.1.

    npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz
    src/charts/geometry/extract.py package/counties-10m.json

Plain Python, no packages: TopoJSON arcs are quantized and delta-encoded; a ring is a list of
arcs, a negative index (~i) meaning arc i reversed, each arc after the first without its first
point (it repeats the previous arc's last point).
"""
import hashlib
import json
import math
import os
import sys

SOURCE = sys.argv[1] if len(sys.argv) > 1 else "package/counties-10m.json"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ca_counties.json")

raw = open(SOURCE, "rb").read()
topo = json.loads(raw)
scale, translate = topo["transform"]["scale"], topo["transform"]["translate"]
arcs = []
for arc in topo["arcs"]:
    x = y = 0
    points = []
    for dx, dy in arc:
        x, y = x + dx, y + dy
        points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
    arcs.append(points)


def ring(indices):
    points = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


phi1, phi2, lam0 = math.radians(34), math.radians(40.5), math.radians(-120)
n = (math.sin(phi1) + math.sin(phi2)) / 2
c = math.cos(phi1) ** 2 + 2 * n * math.sin(phi1)


def albers(lon, lat):
    rho = math.sqrt(c - 2 * n * math.sin(math.radians(lat))) / n
    theta = n * (math.radians(lon) - lam0)
    return rho * math.sin(theta), -rho * math.cos(theta)


counties = []
holes = 0
for g in topo["objects"]["counties"]["geometries"]:
    if not str(g.get("id", "")).startswith("06"):
        continue
    polygons = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
    holes += sum(len(p) - 1 for p in polygons)
    rings = [[albers(*p) for p in ring(polygon[0])] for polygon in polygons]
    counties.append({"fips": g["id"], "name": g["properties"]["name"], "rings": rings})
assert len(counties) == 58, len(counties)

xs = [x for cty in counties for r in cty["rings"] for x, _ in r]
ys = [y for cty in counties for r in cty["rings"] for _, y in r]
k = 1000 / (max(xs) - min(xs))
for cty in counties:
    cty["rings"] = [
        [v for x, y in r for v in (round((x - min(xs)) * k, 1), round((max(ys) - y) * k, 1))]
        for r in cty["rings"]
    ]
counties.sort(key=lambda cty: cty["fips"])
out = {
    "source": "us-atlas 3.0.1 (npm, ISC licence), counties-10m.json: U.S. Census Bureau "
    "cartographic boundary files, 1:10,000,000, 2017",
    "source_sha256": hashlib.sha256(raw).hexdigest(),
    "projection": "California Albers (34 N, 40.5 N, 120 W), 1000 units wide, y down",
    "holes_dropped": holes,
    "counties": counties,
}
with open(OUT, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(f"{OUT}: {len(counties)} counties, {sum(len(r) // 2 for c in counties for r in c['rings'])} points, "
      f"{holes} holes dropped, {round((max(ys) - min(ys)) * k)} units high")
