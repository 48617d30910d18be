/// The member pages' style sheet (the per-grade colours and the page box are added after it).
extension MemberPageWriter {
    static let css = #"""
:root{--ink:#1c2230;--muted:#5d6675;--faint:#8a93a1;--rule:#dde1e7;--soft:#f4f6f8;--accent:#9f1d20;--ok:#1e7a46;--bad:#b42318;--warn:#9a6700}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact;-webkit-text-size-adjust:100%}
body{margin:0;background:#e9ecf0;color:var(--ink);font:13px/1.5 "Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC","SimHei",sans-serif;font-variant-numeric:tabular-nums}
.book{max-width:860px;margin:0 auto;padding:16px 0}
h1,h2,h3{margin:0;line-height:1.3}
code{font-family:"Noto Sans Mono CJK SC","DejaVu Sans Mono",Consolas,monospace;font-size:.9em}
.r{text-align:right;white-space:nowrap}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;vertical-align:-1px;margin-right:5px;box-shadow:inset 0 0 0 1px rgba(0,0,0,.15)}
.kicker{margin:0 0 2px;color:var(--accent);font-size:12px;letter-spacing:.06em}

/* cover and contents */
.cover,.mp{background:#fff;box-shadow:0 1px 4px rgba(15,23,42,.14);margin:0 0 18px;padding:26px 32px 18px}
.cover{border-top:5px solid var(--accent)}
.cover h1{font-size:24px;margin:2px 0 4px}
.cover .sub{color:var(--muted);margin:0 0 10px}
.howto{background:var(--soft);border:1px solid var(--rule);border-radius:6px;padding:8px 12px;margin:8px 0 14px}
.howto p{margin:3px 0}
.cover h2{font-size:16px;margin:14px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--ink)}
.cover h2 span{font-size:12px;font-weight:400;color:var(--muted);margin-left:8px}
.toc{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:0 14px;font-size:12.5px}
.toc li{border-bottom:1px dotted var(--rule)}
.toc a{display:flex;align-items:baseline;gap:6px;padding:2px 0;color:var(--ink);text-decoration:none}
.toc a:hover b{text-decoration:underline}
.toc b{font-weight:600;min-width:0;overflow-wrap:anywhere}
.toc .i{color:var(--muted);font-size:11px}
.toc .x{color:var(--faint);font-size:11px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;flex:1}
.toc .sc{margin-left:auto;font-weight:600}

/* one member */
.mp{border-top:5px solid var(--rule)}
.mph{display:flex;gap:18px;align-items:stretch;justify-content:space-between}
.mph .who{flex:1;min-width:0}
.mph h2{font-size:24px;font-weight:700;overflow-wrap:anywhere}
.mph .mid{font-size:14px;font-weight:400;color:var(--muted);margin-left:10px}
.facts{display:flex;flex-wrap:wrap;gap:2px 16px;margin:6px 0 0;font-size:12.5px}
.facts div{display:flex;gap:5px}
.facts dt{color:var(--muted)}
.facts dd{margin:0;font-weight:600}
.res{flex:0 0 172px;border-radius:8px;padding:8px 12px;text-align:center;display:flex;flex-direction:column;justify-content:center}
.res .gl{font-size:15px;font-weight:700;letter-spacing:.05em}
.res .sc{font-size:32px;font-weight:800;line-height:1.1}
.res .sc small{font-size:13px;font-weight:600;margin-left:2px}
.res .rk{font-size:11.5px;opacity:.95}
.mp h3{font-size:13.5px;margin:14px 0 5px;padding-bottom:3px;border-bottom:1px solid var(--ink)}
.mp h3 span{font-weight:400;color:var(--muted);font-size:12px;margin-left:8px}
.mp h3.bad{color:var(--bad);border-color:var(--bad)}
.mpgrid{display:grid;grid-template-columns:minmax(0,11fr) minmax(0,10fr);gap:20px;align-items:start}
.cats table{width:100%;border-collapse:collapse;font-size:12.5px}
.cats th{font-size:11.5px;color:var(--muted);font-weight:600;text-align:left;padding:2px 6px;border-bottom:1px solid var(--rule)}
.cats th.r{text-align:right}
.cats td{padding:2px 6px;border-bottom:1px solid #eef0f3}
.cats td.lim{color:var(--muted)}
.cats td.z{color:#a3aab5}
.cats td.neg{color:var(--bad)}
.cats .bar{width:22%}
.cats td.bar span{display:block;height:8px;border-radius:2px;min-width:1px}
.cats td.bar span.neg{background:#e8a29b}
.cats tr.total td{font-weight:700;border-top:1px solid var(--ink);border-bottom:0}
.next p{margin:4px 0}
.next .goal{font-size:13px}
.next .goal.best{color:var(--ok);font-weight:600}
.next .need{font-weight:600}
.next .need b{font-size:16px;color:var(--accent)}
.next .stop{color:var(--bad);font-weight:600}
.next .tip,.next .plan{color:var(--ink)}
.next .fine{color:var(--faint);font-size:10.5px;line-height:1.35}
.ways{margin:2px 0 4px;padding-left:18px}
.ways li{margin:1px 0}
.ways li.ok::marker{color:var(--ok)}

/* ledger */
table.led{width:100%;border-collapse:collapse;font-size:11.5px;line-height:1.35;table-layout:fixed}
.led col.c-d{width:76px}
.led col.c-r{width:26%}
.led col.c-n{width:58px}
.led col.c-w{width:15%}
.led thead th{font-size:11px;color:var(--muted);font-weight:600;text-align:left;padding:2px 5px;border-bottom:1px solid var(--ink)}
.led thead th.r{text-align:right}
.led td{padding:2px 5px;border-bottom:1px solid #eef0f3;vertical-align:top;overflow-wrap:anywhere}
.led td:first-child{white-space:nowrap;color:var(--muted)}
.led tr.ch th{text-align:left;background:var(--soft);font-size:12px;padding:3px 5px;border-top:1px solid var(--rule);border-bottom:1px solid var(--rule)}
.led tr.ch th span{float:right;font-weight:600}
.led cite{font-style:normal;color:var(--muted)}
.led small{color:var(--faint);white-space:nowrap;font-size:inherit}
.led td.n,.led td.p{text-align:right;white-space:nowrap}
.led td.n{color:var(--faint)}
.led td.p{font-weight:600}
.led td.neg{color:var(--bad)}
.led tr.cut td.p{color:var(--warn)}
.led td:last-child{color:var(--warn);font-size:11px}
.led tr.adj td{color:var(--warn);font-style:italic}
.led tbody.sum td{border-bottom:0;padding-top:3px}
.led tbody.sum tr:first-child td{border-top:1px solid var(--ink)}
.led tbody.sum tr.total td{font-weight:700;font-size:12.5px;border-top:1px solid var(--rule)}
.led tbody.sum td:last-child{color:var(--ink)}
.led tbody.sum tr.total td:last-child{font-weight:600;font-size:11.5px}
p.none{margin:4px 0 0;color:var(--muted)}
.reqs{list-style:none;margin:0;padding:0;font-size:12px}
.reqs li{padding:1px 0}
.reqs li.ok b{color:var(--ok)}
.reqs li.miss b,.reqs li.miss .have{color:var(--bad)}
.reqs li.na{color:var(--faint)}
table.small{width:100%;border-collapse:collapse;font-size:11.5px}
.small td{padding:2px 5px;border-bottom:1px solid #eef0f3;vertical-align:top;overflow-wrap:anywhere}
.small td.d{white-space:nowrap;color:var(--muted);width:76px}
.small .tt,.small .loc,.small td.loc{color:var(--muted)}
.mpf{margin-top:12px;padding-top:6px;border-top:1px solid var(--rule);font-size:11px;color:var(--muted)}
.mpf .meta{color:var(--faint)}
.mpf .back{float:right;color:var(--accent);text-decoration:none;margin-left:12px}

/* One member alone when the address names them (members.html#m-ID). */
body:has(.mp:target) .mp:not(:target),body:has(.mp:target) .cover{display:none}

@media screen and (max-width:700px){
.book{padding:0}
.cover,.mp{padding:14px 12px;margin-bottom:10px}
.mph{flex-direction:column;gap:10px}
.mph h2{font-size:21px}
.res{flex:none}
.mpgrid{grid-template-columns:minmax(0,1fr);gap:4px}
.cats th,.cats td{padding:2px 4px}
.cats .bar{width:14%}
/* The ledger as one block per record: date and points, then the record, the rule and the note. */
table.led{table-layout:auto;font-size:12.5px}
.led colgroup,.led thead{display:none}
table.led,.led tbody,.led tr.ch,.led tr.ch th{display:block}
.led tr{display:grid;grid-template-columns:minmax(0,1fr) auto auto;grid-template-areas:"d n p" "w w w" "r r r" "x x x";column-gap:8px;padding:5px 2px;border-bottom:1px solid #eef0f3}
.led td{display:block;border:0;padding:0}
.led td:nth-child(1){grid-area:d}
.led td:nth-child(2){grid-area:w}
.led td:nth-child(3){grid-area:r;color:var(--muted);font-size:11.5px}
.led td:nth-child(4){grid-area:n}
.led td:nth-child(5){grid-area:p}
.led td:nth-child(6){grid-area:x}
.led td:empty{display:none}
.led tr.adj,.led tbody.sum tr{grid-template-columns:minmax(0,1fr) auto;grid-template-areas:"w p" "x x"}
.led tr.adj td:nth-child(3),.led tbody.sum td:nth-child(3){grid-area:p;color:inherit;font-size:inherit}
.led tr.adj td:nth-child(4),.led tbody.sum td:nth-child(4){grid-area:x}
.led tbody.sum tr:first-child td{border-top:0}
.led tbody.sum tr:first-child{border-top:1px solid var(--ink)}
.small td.d{width:auto}
.toc{grid-template-columns:minmax(0,1fr)}
/* A row a finger can hit. */
.toc a{align-items:center;min-height:36px;padding:4px 0}
}

@media print{
body{background:#fff;font-size:9.5pt}
.book{max-width:none;padding:0}
.cover,.mp{box-shadow:none;margin:0;padding:0}
.cover{border-top:4px solid var(--accent);padding-top:6px}
.mp{break-before:page;border-top-width:4px;padding-top:6px}
body:has(.mp:target) .mp:target{break-before:auto}
.mpf .back,.howto p:last-child{display:none}
.toc{grid-template-columns:repeat(4,1fr);font-size:8.5pt}
.mph h2{font-size:18pt}
.res{flex-basis:46mm}
.res .sc{font-size:22pt}
table.led{font-size:8pt;line-height:1.25}
.led td{padding:1px 4px}
.led col.c-d{width:17mm}
.led col.c-n{width:12mm}
.led thead{display:table-header-group}
.led tr{break-inside:avoid}
.mp h3{break-after:avoid}
.mpgrid{break-inside:avoid}
}
"""#
}
