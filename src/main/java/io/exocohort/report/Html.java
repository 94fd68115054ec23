package io.exocohort.report;

import java.util.Base64;
import java.util.List;

/**
 * A self-contained HTML page: inline CSS, images as base64 PNG data URIs, and a script that, once the page has
 * loaded, writes into {@code #report-check} how many images there are, which did not load (naturalWidth 0) and
 * every script error seen ({@code window.onerror}); a headless browser's DOM dump shows the result.
 */
final class Html {
  private final StringBuilder body = new StringBuilder();
  private final String title;
  private int images;

  Html(String title) {
    this.title = title;
  }

  static String esc(String s) {
    if (s == null) return "";
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  Html h2(String id, String text) {
    body.append("<h2 id=\"").append(esc(id)).append("\">").append(esc(text)).append("</h2>\n");
    return this;
  }

  Html h3(String text) {
    body.append("<h3>").append(esc(text)).append("</h3>\n");
    return this;
  }

  Html p(String text) {
    body.append("<p>").append(esc(text)).append("</p>\n");
    return this;
  }

  /** A paragraph with class "none": a section with nothing to show says why. */
  Html none(String text) {
    body.append("<p class=\"none\">").append(esc(text)).append("</p>\n");
    return this;
  }

  Html open(String cls) {
    body.append("<div class=\"").append(esc(cls)).append("\">\n");
    return this;
  }

  Html close() {
    body.append("</div>\n");
    return this;
  }

  Html png(String alt, byte[] png, String caption) {
    images++;
    body.append("<figure><img alt=\"").append(esc(alt)).append("\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(png)).append("\">");
    if (caption != null) body.append("<figcaption>").append(esc(caption)).append("</figcaption>");
    body.append("</figure>\n");
    return this;
  }

  Html table(List<String> header, List<List<String>> rows) {
    body.append("<table><thead><tr>");
    for (String h : header) body.append("<th>").append(esc(h)).append("</th>");
    body.append("</tr></thead><tbody>\n");
    for (List<String> r : rows) {
      body.append("<tr>");
      for (String c : r) body.append("<td>").append(esc(c)).append("</td>");
      body.append("</tr>\n");
    }
    body.append("</tbody></table>\n");
    return this;
  }

  int images() {
    return images;
  }

  String render() {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" + esc(title) + "</title>\n"
        + "<style>body{font-family:sans-serif;margin:2em;color:#222;max-width:1400px}"
        + "h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}"
        + ".grid{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}figcaption{font-size:.85em;color:#555}"
        + "table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px;"
        + "text-align:left}th{background:#f4f4f4}.none{color:#777;font-style:italic}"
        + "#report-check{display:none}</style>\n"
        + "<script>window.reportErrors=[];window.onerror=function(m){window.reportErrors.push(String(m));};"
        + "window.addEventListener('error',function(e){if(e.target&&e.target!==window&&e.target.tagName)"
        + "window.reportErrors.push('cannot load '+e.target.tagName+' '+(e.target.alt||''));},true);"
        + "window.addEventListener('load',function(){var b=[];var im=document.images;"
        + "for(var i=0;i<im.length;i++){if(!(im[i].complete&&im[i].naturalWidth>0))b.push(im[i].alt||('#'+i));}"
        + "var c=document.getElementById('report-check');c.setAttribute('data-images',String(im.length));"
        + "c.setAttribute('data-broken',b.join('|'));c.setAttribute('data-errors',window.reportErrors.join('|'));"
        + "c.setAttribute('data-status',(b.length||window.reportErrors.length)?'problems':'ok');});</script>\n"
        + "</head><body>\n<h1>" + esc(title) + "</h1>\n" + body
        + "<div id=\"report-check\" data-status=\"pending\" data-expected-images=\"" + images + "\"></div>\n"
        + "</body></html>\n";
  }
}
