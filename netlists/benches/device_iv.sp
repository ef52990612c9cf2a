* Device on/off currents: one NMOS and one PMOS, W = 1 um, L = 65 nm.
*
* Placeholders: <models> <vdd>. Analysis: dc vg 0 VDD VDD (two points: off, on). NMOS drain
* current = -i(vd), PMOS = i(vdp); the PMOS gate follows -V(vg) from its source at VDD.
{{models}}
vd d 0 {{vdd}}
vg g 0 0
vs s 0 {{vdd}}
vdp dp 0 0
egp gp s 0 g 1
mn d g 0 0 {{nmos}} w=1e-6 l=65e-9
mp dp gp s s {{pmos}} w=1e-6 l=65e-9
.end
