// Decodes an ESC/POS job with npos (a parser we did not write) for the printer tests.
//
// Usage: node decode.js JOB.bin OUT.pgm
// Writes every GS v 0 raster image of the job, stacked top to bottom, as a binary PGM
// (0 = black dot, 255 = white), and prints a JSON summary on stdout: the commands npos
// recognised in order, and the size of each raster entry it decoded.
'use strict';

const fs = require('fs');
const npos = require('npos');

function main(argv) {
  if (argv.length !== 2) {
    process.stderr.write('usage: node decode.js JOB.bin OUT.pgm\n');
    process.exit(2);
  }
  const [jobPath, outPath] = argv;
  const job = fs.readFileSync(jobPath);
  return npos.parser().parse(job).then((ast) => {
    const commands = ast.tree.map((node) => (node.ascii + ' ' + (node.fn || '')).trim());
    const rasters = ast.entries.filter((entry) => entry.type === 'raster').map((entry) => entry.data);
    if (rasters.length === 0) {
      throw new Error('no GS v 0 raster image in the job');
    }
    const width = Math.max(...rasters.map((image) => image.width));
    const height = rasters.reduce((sum, image) => sum + image.height, 0);
    const pixels = Buffer.alloc(width * height, 0xff);
    let top = 0;
    for (const image of rasters) {
      for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < image.width; x++) {
          pixels[(top + y) * width + x] = image.getPixel(x, y);
        }
      }
      top += image.height;
    }
    const header = Buffer.from(`P5\n${width} ${height}\n255\n`, 'ascii');
    fs.writeFileSync(outPath, Buffer.concat([header, pixels]));
    const summary = {
      commands,
      rasters: rasters.map((image) => ({ width: image.width, height: image.height })),
      width,
      height,
    };
    process.stdout.write(JSON.stringify(summary) + '\n');
  });
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + '\n');
  process.exit(1);
});
