/// The report's style sheet (the per-grade colours and the page boxes are added after it).
extension HTMLWriter {
    static let css = #"""
:root{--ink:#1c2230;--muted:#5d6675;--faint:#8a93a1;--rule:#dde1e7;--soft:#f4f6f8;--accent:#9f1d20;--ok:#1e7a46;--bad:#b42318}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact;-webkit-text-size-adjust:100%}
body{margin:0;background:#e9ecf0;color:var(--ink);font:14px/1.6 "Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC","SimHei",sans-serif;font-variant-numeric:tabular-nums}
.doc{max-width:1320px;margin:24px auto;background:#fff;padding:34px 44px 26px;box-shadow:0 1px 4px rgba(15,23,42,.14);border-top:5px solid var(--accent)}
h1,h2,h3{font-weight:700;line-height:1.3;margin:0}
h2{font-size:20px;margin:34px 0 12px;padding-bottom:6px;border-bottom:2px solid var(--ink)}
h3{font-size:15px;margin:18px 0 8px;color:var(--ink)}
p{margin:6px 0}
code,.path,.code{font-family:"Noto Sans Mono CJK SC","DejaVu Sans Mono",Consolas,monospace;font-size:.88em}
.muted{color:var(--muted)}
.note,.lead{color:var(--muted);font-size:12.5px}
.lead{margin:-4px 0 10px}
.empty{color:var(--muted);font-style:italic}
.r{text-align:right;white-space:nowrap}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin-right:6px;box-shadow:inset 0 0 0 1px rgba(0,0,0,.15)}

/* header */
.masthead .kicker{margin:0 0 4px;color:var(--accent);font-size:13px;letter-spacing:.08em}
.masthead h1{font-size:26px;display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 14px}
.masthead h1 .ttl{color:var(--accent)}
.meta{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:1px;margin:16px 0 0;border:1px solid var(--rule);border-radius:6px;overflow:hidden;background:var(--rule)}
.meta div{padding:7px 12px;background:#fff}
.meta div.wide{grid-column:span 2}
.meta dt{font-size:11.5px;color:var(--muted)}
.meta dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.meta .ver{font-weight:400;color:var(--muted);margin-left:6px;white-space:nowrap}
.meta code.hash{font-size:12px;font-weight:400;letter-spacing:.01em;word-break:break-all}
.meta .base{display:block;font-weight:400;font-size:12px;color:var(--muted)}
.meta a{color:var(--accent)}
.toc{display:flex;flex-wrap:wrap;gap:6px 22px;margin:16px 0 0;font-size:13px}
.toc a{color:var(--accent);text-decoration:none}
.toc a:hover{text-decoration:underline}

/* figures */
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;margin:4px 0 8px}
.stat{border:1px solid var(--rule);border-radius:6px;padding:8px 12px;background:var(--soft)}
.stat .k{font-size:12px;color:var(--muted)}
.stat .v{font-size:24px;font-weight:700;line-height:1.25}
.stat .sub{font-size:11.5px;color:var(--muted)}
.stat.warn .v{color:var(--bad)}
.split{display:grid;grid-template-columns:minmax(0,5fr) minmax(0,7fr);gap:28px;align-items:start}
.split.even{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}

/* legend */
table{border-collapse:collapse}
.legend{width:100%;font-size:13.5px}
.legend th{font-size:12px;color:var(--muted);font-weight:600;text-align:left;border-bottom:1px solid var(--ink);padding:4px 8px}
.legend th.r{text-align:right}
.legend td{padding:6px 8px;border-bottom:1px solid var(--rule)}
.legend td.col{white-space:nowrap}
.legend .gname{font-weight:700}
.legend .barcol{width:28%}
.legend .bar{display:block;height:10px;border-radius:2px;min-width:1px}
.legend tr.total td,.plain tr.total td{font-weight:700;border-top:1px solid var(--ink);border-bottom:0}

/* histogram */
svg.hist{display:block;width:100%;height:auto;max-width:760px;font-size:11px}
svg.hist.narrow{display:none}
svg.hist .grid{stroke:#e7eaee;stroke-width:1}
svg.hist .axis{stroke:#4b5563;stroke-width:1}
svg.hist .ax{fill:#4b5563;font-size:11px}
svg.hist .axt{fill:#6b7280;font-size:11px}
svg.hist .bv{fill:#374151;font-size:10px}
svg.hist .thr{stroke-width:1.5;stroke-dasharray:5 3}
svg.hist .tl{fill:#1f2937;font-size:11.5px;font-weight:600}

/* 五色图 */
.chips{display:flex;flex-wrap:wrap;gap:6px 8px;padding:2px 0 6px}
.chip{display:inline-flex;align-items:center;gap:4px;border:1px solid var(--rule);border-radius:14px;padding:2px 10px 2px 8px;font-size:12.5px;background:#fff;white-space:nowrap}
.chip .sw{margin-right:2px}
.chip .thr{color:var(--muted)}
.chip .cnt{color:var(--muted)}
.keys{font-size:12px;color:var(--muted);padding:0 0 8px}
table.wuse{width:100%;table-layout:fixed}
.wuse thead td{padding:0}
.wuse col.c-sector{width:136px}
.wuse tbody th{vertical-align:top;text-align:left;font-weight:400;padding:9px 12px 9px 0;border-top:1px solid var(--rule)}
.wuse tbody td{padding:9px 0;border-top:1px solid var(--rule);vertical-align:top}
.wuse tbody tr{break-inside:avoid}
.sname{display:block;font-weight:700;font-size:14px;line-height:1.35}
.scount{display:block;font-size:12px;color:var(--muted)}
.mini{display:flex;height:5px;margin-top:5px;border-radius:2px;overflow:hidden;max-width:110px;background:var(--rule)}
.mini span{display:block;height:100%}
.cells{display:grid;grid-template-columns:repeat(auto-fill,minmax(84px,1fr));gap:4px}
.m{min-height:46px;border-radius:4px;padding:5px 4px 4px;text-align:center;line-height:1.25}
.m .n{display:block;font-size:14px;font-weight:700;overflow-wrap:anywhere}
.m.l .n{font-size:12px;padding-top:1px}
.m.xl{padding-top:3px}
.m.xl .n{font-size:10.5px;line-height:1.15;padding:0 1px}
.m.xl .s{margin-top:0}
.m .s{display:block;font-size:11px;opacity:.92;margin-top:1px}
.m i{font-style:normal;font-size:10px;margin-left:3px}
a.m{display:block;text-decoration:none}
a.m:hover{outline:2px solid var(--ink);outline-offset:1px}
.by{position:absolute;opacity:0;width:1px;height:1px;margin:0;pointer-events:none}
.bytabs{display:flex;gap:0;margin:0 0 10px;border-bottom:2px solid var(--rule)}
.bytabs label{cursor:pointer;padding:5px 16px 6px;font-size:13.5px;color:var(--muted);border:1px solid transparent;border-bottom:0;border-radius:6px 6px 0 0;margin-bottom:-2px;user-select:none}
.bytabs label:hover{color:var(--ink);background:var(--soft)}
.bytabs label .n{display:inline-block;margin-left:6px;font-size:11px;color:var(--faint);font-weight:400}
#by-sector:checked~.bytabs label[for=by-sector],#by-committee:checked~.bytabs label[for=by-committee],#by-role:checked~.bytabs label[for=by-role]{color:var(--ink);font-weight:700;background:#fff;border-color:var(--rule);border-bottom:2px solid #fff}
#by-sector:focus-visible~.bytabs label[for=by-sector],#by-committee:focus-visible~.bytabs label[for=by-committee],#by-role:focus-visible~.bytabs label[for=by-role]{outline:2px solid var(--accent);outline-offset:-2px}
.byview{display:none}
#by-sector:checked~.v-sector,#by-committee:checked~.v-committee,#by-role:checked~.v-role{display:block}
.marknotes{margin-top:14px;font-size:12.5px;color:var(--ink);border-top:1px solid var(--rule);padding-top:8px}
.marknotes p{margin:4px 0}
.marknotes .nb{white-space:nowrap}
.marknotes .id{color:var(--muted);font-size:.92em}

.wuse tr.cont .sname{font-weight:400;color:var(--muted)}
.ov h3 span{font-weight:400;color:var(--muted);font-size:12.5px;margin-left:8px}
table.sbars{width:100%;font-size:12.5px;margin:0 0 14px}
.sbars th{text-align:left;font-weight:600;padding:2px 10px 2px 0;white-space:nowrap;width:1%}
.sbars td.r{padding:2px 10px 2px 0;color:var(--muted);width:1%}
.sbars td.bar{padding:2px 0}
.sbar{display:flex;height:16px;border-radius:2px;overflow:hidden;background:var(--rule)}
.sbar span{display:block;height:100%;font-size:10.5px;line-height:16px;text-align:center;overflow:hidden}

/* ranked table */
table.rank{width:100%;font-size:12.5px;line-height:1.35}
.rank th,.rank td{padding:4px 7px;border-bottom:1px solid #e6e9ed;vertical-align:middle}
.rank thead th{position:sticky;top:0;z-index:1;background:#eef1f4;border-bottom:2px solid #b8bfc9;text-align:left;vertical-align:bottom;font-weight:700;font-size:12px;line-height:1.3;white-space:nowrap}
.rank thead th.r{text-align:right}
.rank th.cat.wrap{white-space:normal}
.rank td.tx{white-space:nowrap}
.rank tbody tr:nth-child(even){background:#fafbfc}
.rank tbody tr:hover{background:#f1f5f9}
.rank td.nm{font-weight:600;white-space:nowrap}
.rank td.nm sup{font-weight:400;color:var(--accent);margin-left:1px}
.rank td.id{color:var(--muted);white-space:nowrap}
.rank td.z{color:#a3aab5}
.rank td.neg{color:var(--bad)}
.rank td.tot,.rank th.tot{font-weight:700;border-left:1px solid #d5dae1}
.rank td.gd{white-space:nowrap;font-weight:600}
.rank td.notes{font-size:11.5px;color:var(--muted);min-width:8em;line-height:1.3}

.rank td.nm a,.plain td.nm a{color:inherit;text-decoration:none;border-bottom:1px dotted #9aa3af}
.rank td.nm a:hover,.plain td.nm a:hover{color:var(--accent)}
.ranking h3{margin-top:22px}
.scopes{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:10px 22px;align-items:start}
table.scope caption{text-align:left;font-weight:700;font-size:13.5px;padding:4px 0 3px}
table.scope caption span{font-weight:400;color:var(--muted);font-size:12px;margin-left:6px}
.plain td.b,.plain td.r.b{font-weight:700}
.plain td.nm{font-weight:600;white-space:nowrap}
.plain td.nm sup{font-weight:400;color:var(--accent)}
.plain td.id{color:var(--muted);white-space:nowrap}
.plain td.gd{white-space:nowrap}
.plain tr.tie td,.plain tr.more td,.rank tr.tie td{color:var(--muted);font-style:italic}

/* averages */
.scroll{overflow-x:auto}
table.avg{font-size:12.5px}
.avg th{vertical-align:bottom}
.avg th .cap{display:block;font-weight:400;font-size:10.5px;color:var(--faint)}
.avg td.neg{color:var(--bad)}
.avg td.tot,.avg th.tot{border-left:1px solid #d5dae1;font-weight:700}
.avg tr.total td{background:var(--soft)}

/* lists */
.lists h3 .cnt{font-weight:400;color:var(--muted);font-size:12.5px;margin-left:6px}
table.act{margin-bottom:6px;width:auto;min-width:66%}
.act td,.act th{padding-right:18px}
.act th.wide{width:42%}

/* appendix: the 考核细则 as RuleBook renders it */
.rulebook{max-width:900px;font-size:13.5px}
.rulebook h2{font-size:17px;border:0;margin:10px 0 4px;padding:0;text-align:center}
.rulebook h3{font-size:15px;margin:16px 0 6px}
.rulebook h4{font-size:14px;margin:10px 0 4px}
.rulebook p{margin:4px 0}
.rulebook ol,.rulebook ul{margin:4px 0;padding-left:26px}
.rulebook li{margin:1px 0}
.rulebook table{border-collapse:collapse;margin:6px 0;font-size:13px}
.rulebook th,.rulebook td{border:1px solid var(--rule);padding:4px 10px;text-align:left}
.rulebook th{background:var(--soft);font-weight:600}
.rulebook .swatch{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;box-shadow:inset 0 0 0 1px rgba(0,0,0,.15)}

/* reconciliation */
.check{padding:8px 12px;border-radius:6px;font-size:13px;margin:8px 0 4px}
.check.ok{background:#ecf7f0;color:var(--ok);border:1px solid #b9e0c8}
.check.bad{background:#fdecea;color:var(--bad);border:1px solid #f5c2bd}
table.plain{width:100%;font-size:12.5px}
.plain th{font-size:12px;color:var(--muted);font-weight:600;text-align:left;border-bottom:1px solid var(--ink);padding:4px 8px}
.plain th.r{text-align:right}
.plain td{padding:5px 8px;border-bottom:1px solid var(--rule);vertical-align:top}
.plain td.path{overflow-wrap:anywhere}
.plain td.warnnum{color:var(--bad);font-weight:700}
.colophon{margin-top:30px;padding-top:10px;border-top:1px solid var(--rule);font-size:11.5px;color:var(--faint)}

@media screen and (max-width:1260px){
/* Wide tables scroll inside their own box, never the page. */
table.rank,table.plain,table.legend,.rulebook table{display:block;overflow-x:auto;max-width:100%}
}
@media screen and (max-width:900px){
.doc{padding:20px 16px;margin:0}
.split,.split.even{grid-template-columns:minmax(0,1fr)}
.meta{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}
.wuse col.c-sector{width:96px}
.scopes{grid-template-columns:minmax(0,1fr)}
}
@media screen and (max-width:560px){
body{font-size:13.5px}
.doc{padding:14px 10px}
.masthead h1{font-size:21px}
.meta{grid-template-columns:minmax(0,1fr)}
.meta div.wide{grid-column:auto}
.stats{grid-template-columns:repeat(2,minmax(0,1fr))}
.wuse col.c-sector{width:74px}
.wuse tbody th{padding-right:6px}
.sname{font-size:12.5px;overflow-wrap:anywhere}
.cells{grid-template-columns:repeat(auto-fill,minmax(62px,1fr));gap:3px}
.m .n{font-size:12.5px}
.bytabs{overflow-x:auto}
.bytabs label{padding:9px 10px 9px;white-space:nowrap}
table.act{min-width:0}
/* The score distribution drawn for a phone (its text at about its nominal size). */
svg.hist.wide{display:none}
svg.hist.narrow{display:block;max-width:560px}
/* Small tables fit the screen instead of scrolling: tighter cells, long words may wrap. */
table.legend,table.scope,table.act{display:table;overflow-x:visible}
.legend th,.legend td{padding:5px 4px}
.legend{font-size:12.5px}
.legend .barcol{width:auto;min-width:24px}
.plain.scope th,.plain.scope td,.plain.act th,.plain.act td{padding:4px 3px}
.plain.scope td.gd,.plain.scope td.nm,.plain.act td.nm,.plain.act td.gd{white-space:normal;overflow-wrap:anywhere}
.plain.scope td.id,.plain.act td.id{overflow-wrap:anywhere;white-space:normal}
.act th.wide{width:auto}
/* Links a finger can hit: at least 32 px tall. */
.toc a{display:inline-flex;align-items:center;min-height:32px}
.rank td.nm a,.plain td.nm a,.meta a{display:inline-flex;align-items:center;min-height:32px}
}

@media print{
body{background:#fff;font-size:10pt}
.doc{max-width:none;margin:0;padding:0;box-shadow:none;border-top:0}
.toc{display:none}
h2{font-size:15pt;margin:0 0 8px;break-after:avoid}
h3{break-after:avoid}
.masthead{border-top:4px solid var(--accent);padding-top:8px}
.overview{margin-top:14px}
.overview h2{margin-top:0}
.split,.split.even{display:block}
.split > div{break-inside:avoid}
.legend{max-width:150mm}
svg.hist{max-width:170mm}
svg.hist.narrow{display:none}
svg.hist.wide{display:block}
.stats{grid-template-columns:repeat(6,1fr);gap:6px}
.stat{padding:5px 8px}
.stat .v{font-size:16pt}
.chart,.recon,.averages,.lists,.appendix{break-before:page}
.bytabs,.by{display:none}
.byview{display:none!important}
.byview.v-sector{display:block!important}
a.m{color:inherit}
.scopes{grid-template-columns:repeat(3,minmax(0,1fr));gap:2mm 6mm}
table.scope{break-inside:avoid;font-size:8.5pt}
table.scope td,table.scope th{padding:1.5px 4px}
.scroll{overflow:visible}
.averages{page:wide}
table.avg{font-size:8.5pt;width:100%}
.avg td,.avg th{padding:2px 5px}
.rank td.nm a,.plain td.nm a{border:0}
.rulebook{max-width:none;font-size:10pt}
.rulebook h3,.rulebook h4{break-after:avoid}
.rulebook li,.rulebook tr{break-inside:avoid}
.ranking{page:wide;break-before:page}
.wuse col.c-sector{width:26mm}
.cells{grid-template-columns:repeat(auto-fill,minmax(18.5mm,1fr));gap:1.2mm}
.m{min-height:11.5mm}
.m.xl{padding-top:2px}
thead{display:table-header-group}
tr{break-inside:avoid}
.rank thead th{position:static}
table.rank{font-size:8.5pt}
table.rank{line-height:1.25}
.rank th,.rank td{padding:1.6px 5px}
.rank tbody tr:hover{background:inherit}
.marknotes{break-inside:auto}
.check,.plain tr{break-inside:avoid}
.colophon{margin-top:14px}
}
"""#
}
