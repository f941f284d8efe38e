import '../shared/base.css';
import './explain.css';
import { registerToolkit } from '../shared/toolkit';
import { ExplainApp } from './explainApp';

registerToolkit();
new ExplainApp(document.getElementById('app')!);
