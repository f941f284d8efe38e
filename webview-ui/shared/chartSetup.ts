// Registers only the chart.js pieces the panels draw with, so the bundle leaves the rest out.
import {
  Chart, LineController, LineElement, LinearScale, LogarithmicScale, PointElement, ScatterController, Tooltip,
} from 'chart.js';

Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip);

export { Chart };
