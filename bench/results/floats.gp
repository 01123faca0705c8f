set terminal pngcairo size 1000,560 font ",10"
set output "floats.png"
set title "2026-12-01 09:20 UTC, 4 GiB files cached, AMD EPYC x2, avx512 kernel, 5 alternating rounds" noenhanced font ",9"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7 border -1
set boxwidth 0.9
set ylabel "GB/s, median (scans: the whole process; kernel: a buffer, no file)"
set grid y
set yrange [0:*]
set key top right
set xtics noenhanced
plot "floats.dat" using 2:xtic(1) title "mapscan, all cores", \
     "" using 3 title "mapscan -j 1", \
     "" using 4 title "numpy.memmap nanmin+nanmax+sum", \
     "" using 5 title "kernel alone, in memory, 1 thread", \
     "" using ($0-0.3):2:(sprintf("%.1f", $2)) with labels offset 0,0.6 font ",7" notitle, \
     "" using ($0-0.1):3:(sprintf("%.1f", $3)) with labels offset 0,0.6 font ",7" notitle, \
     "" using ($0+0.1):4:($4 > 0 ? sprintf("%.2f", $4) : "") with labels offset 0,0.6 font ",7" notitle, \
     "" using ($0+0.3):5:($5 > 0 ? sprintf("%.1f", $5) : "") with labels offset 0,0.6 font ",7" notitle
