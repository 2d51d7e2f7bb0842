/** The reader's mark: an eight-pointed star (two squares), drawn inline so it needs no font and no request. */
export function logo(className: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  for (const rotate of [0, 45]) {
    const rect = document.createElementNS(ns, 'rect');
    for (const [name, value] of Object.entries({
      x: '5',
      y: '5',
      width: '14',
      height: '14',
      rx: '0.6',
      transform: `rotate(${rotate} 12 12)`,
      fill: 'none',
      stroke: 'currentColor',
      'stroke-width': '1.5',
    }))
      rect.setAttribute(name, value);
    svg.append(rect);
  }
  const dot = document.createElementNS(ns, 'circle');
  for (const [name, value] of Object.entries({ cx: '12', cy: '12', r: '2.2', fill: 'currentColor' })) dot.setAttribute(name, value);
  svg.append(dot);
  return svg;
}
