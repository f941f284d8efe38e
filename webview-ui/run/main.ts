import '../shared/base.css';
import './run.css';
import { registerToolkit } from '../shared/toolkit';
import { RunApp } from './runApp';

registerToolkit();
new RunApp(document.getElementById('app')!);
