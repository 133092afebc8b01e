"""The contradiction and corroboration graph: live claims as nodes, their links as edges.

Claims are grouped by document or by source. A contradiction between claims whose sources differ
in Admiralty reliability is flagged (`highlight`), since that is where an analyst must decide
whom to believe; an unrated source counts as F (reliability cannot be judged).

`layout` places the nodes without Qt (networkx and numpy) so it can run on any thread: each group
gets a disc whose area grows with its claims; the discs are placed by networkx's spring layout of
the graph of groups (groups joined by many links end up near each other) and pushed apart until
none overlaps (past SPRING_GROUPS_LIMIT groups, packed in rows, linked groups side by side).
Inside a disc the group's claims get the same Fruchterman–Reingold spring layout, run for all
groups of about one size at once; the largest groups, past a budget of compared pairs, are
sunflower spirals with the best-connected claims in the middle. networkx's spring layout of the
whole graph needs an n × n array per step (or scipy) and takes minutes at 5 000 claims; group by
group it takes a few seconds (bench/bench_graph.py).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ..kernel.errors import Cancelled, NotFound, QueryError
from ..kernel.records import RELATIONS, Cancel
from ..kernel.service import Service
from ..kernel.sql import annotations_tagged, tag_with_children

GROUPINGS = ("document", "source")
NO_SOURCE = ""  # the group of claims whose document names no source
NO_SOURCE_NAME = "(no source)"
# Past this many claims a group is a sunflower spiral: a spring layout is O(n²) per step.
SPRING_GROUP_LIMIT = 300
# Pairs of claims the spring layouts may compare per step, over all groups: what keeps 5 000
# claims in a few seconds. Groups past it (the largest) are sunflowers.
PAIR_BUDGET = 250_000
# Past this many groups their discs are packed in rows instead of by a spring layout.
SPRING_GROUPS_LIMIT = 400
NODE_SPACING = 1.0  # layout units between neighbouring claims; a view scales them
GROUP_GAP = 3.0  # layout units between two groups' discs


@dataclass(frozen=True)
class GraphNode:
    """One live claim."""

    id: str
    statement: str
    document_id: str
    document: str
    source_id: str | None
    source: str
    reliability: str | None  # Admiralty A–F of the document (or its source)
    credibility: int | None  # Admiralty 1–6
    group: str  # the id of its GraphGroup

    @property
    def admiralty(self) -> str:
        return f"{self.reliability or 'F'}{self.credibility or 6}"


@dataclass(frozen=True)
class GraphEdge:
    """One live link from one claim to another."""

    id: str
    from_id: str
    to_id: str
    relation: str  # corroborates | contradicts | refines | duplicates
    comment: str
    highlight: bool  # a contradiction between sources of different reliability


@dataclass(frozen=True)
class GraphGroup:
    id: str  # a document id or source id ("" for claims whose document has no source)
    name: str
    size: int


@dataclass
class ClaimGraph:
    """Nodes, edges and groups, each in a stable order (groups by name, nodes by group)."""

    group_by: str
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[GraphEdge] = field(default_factory=list)
    groups: list[GraphGroup] = field(default_factory=list)

    def node(self, node_id: str) -> GraphNode:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise NotFound(f"No claim {node_id} in this graph.")

    def counts(self) -> Counter:
        """Edges by relation, and how many are highlighted."""
        c = Counter(e.relation for e in self.edges)
        c["highlighted"] = sum(e.highlight for e in self.edges)
        return c


class Graph(Service):
    """The claim graph of a workspace and its layout."""

    def claim_graph(self, *, group: str = "document", tag: str | None = None) -> ClaimGraph:
        """Live claims (with TAG or one of its children, when given) and the live links between
        them, grouped by "document" or "source"."""
        if group not in GROUPINGS:
            raise QueryError(f"Group claims by {' or '.join(GROUPINGS)}, not {group!r}.")
        where, args = ["a.deleted = 0", "d.deleted = 0", "a.kind = 'claim'"], []
        if tag is not None:
            self._check_tag(tag)
            cond, targs = annotations_tagged(tag)
            where.append(cond)
            args += targs
        rows = self.session.rows(
            "SELECT a.id, coalesce(nullif(c.statement, ''), a.quote) AS statement,"
            " a.document_id, d.title AS document, d.source_id, s.name AS source,"
            " coalesce(d.reliability, s.reliability) AS reliability, c.credibility"
            " FROM annotations a JOIN documents d ON d.id = a.document_id"
            " LEFT JOIN claims c ON c.annotation_id = a.id AND c.deleted = 0"
            " LEFT JOIN sources s ON s.id = d.source_id AND s.deleted = 0"
            f" WHERE {' AND '.join(where)}",
            args,
        )
        names: dict[str, str] = {}
        nodes = []
        for r in rows:
            if group == "document":
                key, name = r["document_id"], r["document"]
            else:
                key = r["source_id"] if r["source"] is not None else NO_SOURCE
                name = r["source"] if key else NO_SOURCE_NAME
            names[key] = name
            nodes.append(
                GraphNode(
                    id=r["id"],
                    statement=" ".join((r["statement"] or "").split()),
                    document_id=r["document_id"],
                    document=r["document"],
                    source_id=r["source_id"] if r["source"] is not None else None,
                    source=r["source"] or NO_SOURCE_NAME,
                    reliability=r["reliability"],
                    credibility=r["credibility"],
                    group=key,
                )
            )
        sizes = Counter(n.group for n in nodes)
        groups = sorted(
            (GraphGroup(k, names[k], sizes[k]) for k in sizes), key=lambda g: (g.name, g.id)
        )
        order = {g.id: i for i, g in enumerate(groups)}
        nodes.sort(key=lambda n: (order[n.group], n.id))
        by_id = {n.id: n for n in nodes}
        edges = []
        for r in self.session.rows(
            "SELECT id, from_id, to_id, relation, comment FROM links WHERE deleted = 0 ORDER BY id"
        ):
            a, b = by_id.get(r["from_id"]), by_id.get(r["to_id"])
            if a is None or b is None or r["relation"] not in RELATIONS:
                continue
            highlight = r["relation"] == "contradicts" and (a.reliability or "F") != (
                b.reliability or "F"
            )
            edges.append(
                GraphEdge(r["id"], a.id, b.id, r["relation"], r["comment"] or "", highlight)
            )
        return ClaimGraph(group, nodes, edges, groups)

    def graph_layout(
        self,
        graph: ClaimGraph,
        *,
        seed: int = 0,
        progress: Callable[[int, int, str], None] | None = None,
        cancel: Cancel | None = None,
    ) -> dict[str, tuple[float, float]]:
        """Positions of the graph's nodes (see `layout`); reads nothing from the store."""
        return layout(graph, seed=seed, progress=progress, cancel=cancel)

    def _check_tag(self, tag: str) -> None:
        cond, args = tag_with_children("name", tag)
        if not self.session.scalar(f"SELECT 1 FROM tags WHERE deleted = 0 AND {cond}", args):
            raise NotFound(f"No tag named {tag!r} (nor any tag under it).")


# -- layout -------------------------------------------------------------------------------------


def layout(
    graph: ClaimGraph,
    *,
    seed: int = 0,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: Cancel | None = None,
) -> dict[str, tuple[float, float]]:
    """Positions (x, y) of every node, in layout units (neighbouring claims about NODE_SPACING
    apart); the same graph and seed give the same positions."""
    import networkx as nx
    import numpy as np

    members: dict[str, list[str]] = defaultdict(list)
    for n in graph.nodes:
        members[n.group].append(n.id)
    groups = [g.id for g in graph.groups if members.get(g.id)]
    if not groups:
        return {}
    group_of = {n.id: n.group for n in graph.nodes}
    inner: dict[str, list[tuple[str, str]]] = defaultdict(list)
    between: Counter = Counter()
    degree: Counter = Counter()
    for e in graph.edges:
        ga, gb = group_of.get(e.from_id), group_of.get(e.to_id)
        if ga is None or gb is None:
            continue
        degree[e.from_id] += 1
        degree[e.to_id] += 1
        if ga == gb:
            inner[ga].append((e.from_id, e.to_id))
        else:
            between[tuple(sorted((ga, gb)))] += 1
    radius = {g: NODE_SPACING * (0.6 + 0.75 * math.sqrt(len(members[g]))) for g in groups}
    total = len(groups) + 1

    def step(done: int, message: str) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled("The graph layout was cancelled.")
        if progress is not None:
            progress(done, total, message)

    step(0, "Placing the groups")
    centres = _group_centres(groups, radius, between, seed, nx, np)
    step(1, "Placing the claims")
    local: dict[str, tuple[float, float]] = {}
    springs, budget = [], PAIR_BUDGET
    # smallest groups first: a spring layout shows most in a small group, and costs least
    for g in sorted(groups, key=lambda g: len(members[g])):
        ids = members[g]
        cost = _padded(len(ids)) ** 2
        if len(ids) == 1:
            local[ids[0]] = (0.0, 0.0)
        elif len(ids) > SPRING_GROUP_LIMIT or not inner[g] or cost > budget:
            local.update(_sunflower(ids, radius[g], degree))
        else:
            springs.append(g)
            budget -= cost
    done = total - len(springs)
    step(done, "Placing the claims")
    for batch in _batches(springs, members):
        local.update(_springs([(members[g], inner[g], radius[g]) for g in batch], seed, np))
        done += len(batch)
        step(done, "Placing the claims")
    out = {}
    for g in groups:
        cx, cy = centres[g]
        for nid in members[g]:
            x, y = local[nid]
            out[nid] = (cx + x, cy + y)
    step(total, "Done")
    return out


def _group_centres(groups, radius, between, seed, nx, np) -> dict[str, tuple[float, float]]:
    if len(groups) == 1:
        return {groups[0]: (0.0, 0.0)}
    if len(groups) > SPRING_GROUPS_LIMIT:
        return _shelf_pack(_linked_order(groups, between), radius)
    q = nx.Graph()
    q.add_nodes_from(groups)
    for (a, b), count in between.items():
        q.add_edge(a, b, weight=count)
    spread = math.sqrt(sum(math.pi * r * r for r in radius.values()))
    start = _shelf_pack(_linked_order(groups, between), radius)
    pos = nx.spring_layout(q, pos=start, seed=seed, iterations=60, weight="weight", scale=spread)
    p = np.array([pos[g] for g in groups], dtype=float)
    r = np.array([radius[g] for g in groups], dtype=float)
    p = _push_apart(p, r, np)
    return {g: (float(x), float(y)) for g, (x, y) in zip(groups, p, strict=True)}


def _push_apart(p, r, np, rounds: int = 200, gap: float = GROUP_GAP):
    """Move discs (centres P, radii R) apart until none overlaps another (or ROUNDS pass)."""
    need = r[:, None] + r[None, :] + gap
    np.fill_diagonal(need, 0.0)
    for _ in range(rounds):
        d = p[:, None, :] - p[None, :, :]
        dist = np.sqrt((d**2).sum(-1))
        np.fill_diagonal(dist, np.inf)
        overlap = need - dist
        np.fill_diagonal(overlap, 0.0)
        if (overlap <= 1e-6).all():
            break
        overlap = np.clip(overlap, 0.0, None)
        # two discs in the same spot: a fixed direction from their index, so runs repeat
        safe = np.where(dist < 1e-9, 1e-9, dist)
        unit = d / safe[..., None]
        same = dist < 1e-9
        if same.any():
            angle = np.add.outer(np.arange(len(p)), np.arange(len(p))) * 2.399963
            unit[same] = np.stack([np.cos(angle), np.sin(angle)], -1)[same]
        p = p + (unit * (overlap[..., None] * 0.5)).sum(1) * 0.6
    return p


def _linked_order(groups: list[str], between: Counter) -> list[str]:
    """Groups in an order that keeps linked groups close: breadth first from the largest hubs."""
    neighbours: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for (a, b), count in between.items():
        neighbours[a].append((-count, b))
        neighbours[b].append((-count, a))
    weight = {g: sum(-c for c, _ in neighbours[g]) for g in groups}
    place = {g: i for i, g in enumerate(groups)}
    seen: set[str] = set()
    order: list[str] = []
    for root in sorted(groups, key=lambda g: (-weight[g], place[g])):
        if root in seen:
            continue
        seen.add(root)
        queue = deque([root])
        while queue:
            g = queue.popleft()
            order.append(g)
            for _c, other in sorted(neighbours[g]):
                if other not in seen:
                    seen.add(other)
                    queue.append(other)
    return order


def _shelf_pack(order: list[str], radius: dict[str, float]) -> dict[str, tuple[float, float]]:
    """Discs in rows of about the same total width as height, in ORDER; none overlaps."""
    area = sum((2 * radius[g] + GROUP_GAP) ** 2 for g in order)
    width = math.sqrt(area) * 1.1
    out, x, y, row_height = {}, 0.0, 0.0, 0.0
    for g in order:
        size = 2 * radius[g] + GROUP_GAP
        if x > 0 and x + size > width:
            x, y, row_height = 0.0, y + row_height, 0.0
        out[g] = (x + size / 2, y + size / 2)
        x += size
        row_height = max(row_height, size)
    return out


def _usable(radius: float) -> float:
    return max(radius - 0.5 * NODE_SPACING, NODE_SPACING)


def _sunflower(ids, radius, degree) -> dict[str, tuple[float, float]]:
    """Even spacing within a disc, the best-connected claims in the middle."""
    ranked = sorted(ids, key=lambda i: (-degree[i], i))
    usable, n = _usable(radius), len(ranked)
    out = {}
    for k, nid in enumerate(ranked):
        rho = usable * math.sqrt((k + 0.5) / n)
        theta = k * 2.399963229728653  # the golden angle
        out[nid] = (rho * math.cos(theta), rho * math.sin(theta))
    return out


# Cells (groups × padded size²) of one batch: a few MB of float64 per array.
BATCH_CELLS = 1_500_000


def _padded(n: int) -> int:
    return max(4, 1 << (n - 1).bit_length())


def _batches(groups: list[str], members: dict[str, list[str]]):
    """Groups of about the same size together (padded to a power of two), in batches."""
    by_size: dict[int, list[str]] = defaultdict(list)
    for g in groups:
        by_size[_padded(len(members[g]))].append(g)
    for m in sorted(by_size):
        chunk = max(1, BATCH_CELLS // (m * m))
        bucket = by_size[m]
        for i in range(0, len(bucket), chunk):
            yield bucket[i : i + chunk]


def _springs(blocks, seed, np, iterations: int = 50) -> dict[str, tuple[float, float]]:
    """networkx's Fruchterman–Reingold spring layout, run for many groups at once: each block
    (ids, edges, radius) is one group, padded to the batch's largest; padding neither pushes
    nor moves. One call per group costs ~15 ms of fixed overhead, which 500 documents turn
    into 8 s; a batch costs about what one large group does."""
    size = max(len(ids) for ids, _e, _r in blocks)
    b = len(blocks)
    rng = np.random.default_rng(seed)
    f = np.float32  # half the memory traffic of float64; a layout needs no more precision
    pos = rng.random((b, size, 2)).astype(f)
    adjacency = np.zeros((b, size, size), dtype=f)
    valid = np.zeros((b, size), dtype=f)
    k = np.ones((b, 1, 1), dtype=f)
    for i, (ids, edges, _r) in enumerate(blocks):
        index = {nid: j for j, nid in enumerate(ids)}
        valid[i, : len(ids)] = 1.0
        for u, v in edges:
            if u != v:
                adjacency[i, index[u], index[v]] = adjacency[i, index[v], index[u]] = 1.0
        k[i] = 1.2 / math.sqrt(len(ids))
    t, dt = f(0.1), f(0.1 / (iterations + 1))
    pair = valid[:, :, None] * valid[:, None, :]
    for _ in range(iterations):
        delta = pos[:, :, None, :] - pos[:, None, :, :]
        square = (delta * delta).sum(-1)
        np.clip(square, 1e-4, None, out=square)
        force = (k * k / square - adjacency * np.sqrt(square) / k) * pair
        displacement = (delta * force[..., None]).sum(2)
        length = np.clip(np.sqrt((displacement**2).sum(-1)), 0.01, None)
        pos += displacement * (t / length)[..., None] * valid[..., None]
        t -= dt
    out = {}
    for i, (ids, _e, radius) in enumerate(blocks):
        p = pos[i, : len(ids)]
        p = p - p.mean(0)
        reach = float(np.sqrt((p**2).sum(1)).max()) or 1.0
        p = p * (_usable(radius) / reach)
        # claims a spring put on top of each other: apart, so their labels can be read
        p = _push_apart(p.astype(float), np.full(len(ids), 0.0), np, rounds=30, gap=NODE_SPACING)
        out.update({nid: (float(x), float(y)) for nid, (x, y) in zip(ids, p, strict=True)})
    return out
