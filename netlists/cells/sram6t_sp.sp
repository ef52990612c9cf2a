* Split-port 6T SRAM cell (OSA-HCIM, Fig. 2c) and its half cell.
*
* sram_half  IN OUT BL WL VDD VSS
*   One inverter (IN -> OUT) plus the access transistor OUT <-> BL gated by WL.
*   mpu: PMOS pull-up   W=120n L=65n  (minimum: weak, so a write wins easily)
*   mpd: NMOS pull-down W=240n L=65n  (cell ratio PD/PG = 1.5 keeps the read from upsetting)
*   mpg: NMOS access    W=160n L=65n  (pull-up ratio PU/PG = 0.75 keeps the cell writable)
*   Two halves make the cell; a butterfly (read SNM) bench drives each half on its own.
*
* sram6t_sp  LBL LBLB AWL DWL VDD VSS
*   Internal storage nodes Q (= W, the stored weight bit) and QB (probe as x<cell>.q / .qb).
*   Q side:  access gated by AWL onto LBL  (analog port: LBL precharged high reads W).
*   QB side: access gated by DWL onto LBLB (digital port: LBLB precharged high reads Wb).
*   AWL and DWL of different cells of one local bitline pair may be high at the same time, so
*   two different bits are read at once; AWL and DWL of the same cell together give an ordinary
*   differential read or write.
.subckt sram_half in out bl wl vdd vss
mpu out in vdd vdd {{pmos}} w=120e-9 l=65e-9
mpd out in vss vss {{nmos}} w=240e-9 l=65e-9
mpg bl wl out vss {{nmos}} w=160e-9 l=65e-9
.ends sram_half

.subckt sram6t_sp lbl lblb awl dwl vdd vss
xq qb q lbl awl vdd vss sram_half
xqb q qb lblb dwl vdd vss sram_half
.ends sram6t_sp
