-- finance_networks.sql - the "finance_networks" table of every network of
-- England (src/ops/finance_networks.c) computed in SQL on the SQLite store,
-- for bench/bench_finance.c to time against the C library and check to
-- the penny. The rates of the year come in temporary tables the bench
-- fills from data/reference/ncdes (rc_month, rc_cap, rc_band, rc_part) and
-- the day parameters :from_day, :to_day, :as_of and :jan (1 January before
-- the year). The rules are docs/finance.md's; each step names its C twin.
-- Scope: networks whose registers pass the checks and have no saved
-- allocations (the bench checks both); the lines of 2025/26 (IIF's value
-- is unknown that year, so no line is priced by points).
WITH
-- members on the as-of date and their lists (ops/finance_networks.c england_member)
mem AS (
  SELECT network, practice,
    (SELECT patients FROM list_size l WHERE l.practice = m.practice AND l.date <= :as_of
      ORDER BY l.date DESC LIMIT 1) AS now_n,
    (SELECT patients FROM list_size l WHERE l.practice = m.practice AND l.date <= :jan
      ORDER BY l.date DESC LIMIT 1) AS jan_n
  FROM membership m
  WHERE m.start_date <= :as_of AND (m.end_date IS NULL OR m.end_date >= :as_of)),
-- the list the DES counts: 1 January's when every member has one, else the as-of date's
net AS (
  SELECT mem.network,
    CASE WHEN SUM(jan_n IS NULL) > 0 THEN SUM(COALESCE(now_n, 0)) ELSE SUM(jan_n) END AS registered,
    n.name
  FROM mem JOIN network n ON n.code = mem.network
  GROUP BY mem.network),
inputs AS (
  SELECT net.network, net.name, net.registered,
    COALESCE(NULLIF(MAX(f.weighted, 0), 0), 0) AS weighted,
    COALESCE(NULLIF(MAX(f.adjusted, 0), 0), 0) AS adjusted,
    COALESCE(f.beds, -1) AS beds,
    COALESCE(f.caip_percent, -1) AS caip
  FROM net LEFT JOIN network_finance f ON f.network = net.network AND f.year = :year),
-- ARRS-funded posts of ARRS roles with a day in the year (arrs.c is_claimable)
post AS (
  SELECT p.id, p.network, p.person, p.role, COALESCE(b.num, 0) AS band, p.wte,
    p.start_date AS s, COALESCE(p.end_date, 2147483647) AS e, p.cost, p.cost_per
  FROM staff_post p LEFT JOIN rc_band b ON b.name = p.band
  WHERE p.funding = 'arrs' AND p.start_date <= :to_day
    AND (p.end_date IS NULL OR p.end_date >= :from_day)
    AND p.role IN (SELECT role FROM rc_cap)),
-- each post's days in each month (days_in_month)
pm AS (
  SELECT post.*, m.m, m.start_day AS ms, m.dim,
    MIN(e, m.end_day) - MAX(s, m.start_day) + 1 AS days
  FROM post JOIN rc_month m ON s <= m.end_day AND e >= m.start_day),
-- a person above 1.0 WTE in a month: each post's WTE scaled down (loads_build, claim_post)
load AS (SELECT network, person, m, SUM(wte * days) AS wd FROM pm GROUP BY network, person, m),
pw AS (
  SELECT pm.*,
    CASE WHEN l.wd > 1000000 * pm.dim
      THEN (2 * pm.wte * 1000000 * pm.dim + l.wd) / (2 * l.wd) ELSE pm.wte END AS w
  FROM pm JOIN load l USING (network, person, m)),
-- the maximum a year: the row for the post's band, else the role's only row
-- (pcn_contract_find_cap; rows change only on the first of a month); 0 when
-- none or unknown; and the budget it is claimed against
pc AS (
  SELECT pw.*,
    COALESCE(
      (SELECT c.amount FROM rc_cap c WHERE c.role = pw.role AND pw.ms BETWEEN c.from_day AND c.to_day
         AND pw.band > 0 AND pw.band BETWEEN c.band_min AND c.band_max ORDER BY c.seq LIMIT 1),
      (SELECT CASE WHEN COUNT(*) = 1 THEN MAX(c.amount) END FROM rc_cap c
         WHERE c.role = pw.role AND pw.ms BETWEEN c.from_day AND c.to_day), 0) AS amount,
    (SELECT c.budget FROM rc_cap c WHERE c.role = pw.role ORDER BY c.seq LIMIT 1) AS budget,
    pw.days = pw.dim AS full
  FROM pw),
-- runs of whole months at one yearly figure (struct run): the k-th month of a
-- run is round(v k / 12) - round(v (k - 1) / 12) in millionths of a penny
pv AS (
  SELECT pc.*,
    CASE WHEN full AND amount > 0 THEN amount * w END AS cap_v,
    CASE WHEN full AND cost IS NOT NULL AND cost_per = 'year' THEN cost * 1000000 END AS cost_v
  FROM pc),
pg AS (
  SELECT pv.*,
    m - ROW_NUMBER() OVER (PARTITION BY id, cap_v ORDER BY m) AS cap_grp,
    m - ROW_NUMBER() OVER (PARTITION BY id, cost_v ORDER BY m) AS cost_grp
  FROM pv),
pk AS (
  SELECT pg.*,
    ROW_NUMBER() OVER (PARTITION BY id, cap_v, cap_grp ORDER BY m) AS cap_k,
    ROW_NUMBER() OVER (PARTITION BY id, cost_v, cost_grp ORDER BY m) AS cost_k
  FROM pg),
-- round(a / d) half away from zero, for a >= 0: (2a + d) / 2d
months AS (
  SELECT id, network, budget,
    CASE WHEN cap_v IS NOT NULL
      THEN (2 * cap_v * cap_k + 12000000) / 24000000 - (2 * cap_v * (cap_k - 1) + 12000000) / 24000000
      ELSE (2 * amount * w * days + dim * 12000000) / (2 * dim * 12000000) END AS cap_m,
    CASE WHEN cost IS NULL THEN 0
      WHEN cost_per = 'month' THEN (2 * cost * days + dim) / (2 * dim)
      WHEN cost_v IS NOT NULL
        THEN (2 * cost_v * cost_k + 12000000) / 24000000 - (2 * cost_v * (cost_k - 1) + 12000000) / 24000000
      ELSE (2 * cost * days + dim * 12) / (2 * dim * 12) END AS cost_m
  FROM pk),
claims AS (SELECT id, network, budget, SUM(MIN(cap_m, cost_m)) AS claim FROM months GROUP BY id),
by_net AS (
  SELECT network, SUM(claim > 0) AS posts, SUM(claim) AS total,
    SUM(CASE WHEN budget = 'arrs' THEN claim ELSE 0 END) AS arrs_claims
  FROM claims GROUP BY network),
-- each DES line part: round(round(rate x units / 1000) x months / 12) (des.c add_part)
part AS (
  SELECT i.network, p.key, p.paid, p.basis, p.known,
    CASE p.basis
      WHEN 'registered' THEN i.registered
      WHEN 'adjusted' THEN CASE WHEN i.adjusted > 0 THEN i.adjusted ELSE i.registered END
      WHEN 'weighted' THEN CASE WHEN i.weighted > 0 THEN i.weighted ELSE i.registered END
      WHEN 'beds' THEN i.beds END AS units,
    p.rate, p.months, i.caip, i.weighted
  FROM inputs i CROSS JOIN rc_part p
  WHERE p.basis <> 'included'),
priced AS (
  SELECT network, key, paid, basis, weighted,
    known AND units IS NOT NULL AND units >= 0 AS known,
    ((2 * ((2 * rate * units + 1000) / 2000) * months + 12) / 24) AS amount, caip
  FROM part),
lines AS (
  SELECT network, key, paid, MIN(known) AS known,
    SUM(CASE WHEN paid = 'achievement' AND caip >= 0 THEN (2 * amount * caip + 100) / 200
        ELSE amount END) AS amount,
    MAX(basis = 'weighted' AND weighted <= 0) AS estimate
  FROM priced GROUP BY network, key)
SELECT i.network, i.name, i.registered,
  COALESCE(c.posts, 0) AS posts,
  b.amount AS arrs_budget,
  COALESCE(c.total, 0) AS arrs_claims,
  b.amount - COALESCE(c.arrs_claims, 0) AS headroom,
  b.estimate AS budget_estimate,
  (SELECT COALESCE(SUM(amount), 0) FROM lines l
    WHERE l.network = i.network AND l.known AND l.paid <> 'claims') AS income
FROM inputs i
LEFT JOIN by_net c ON c.network = i.network
LEFT JOIN lines b ON b.network = i.network AND b.key = 'arrs'
ORDER BY i.network;
