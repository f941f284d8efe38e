import '../shared/base.css';
import './lineage.css';
import { registerToolkit } from '../shared/toolkit';
import { LineageApp } from './lineageApp';

registerToolkit();
new LineageApp(document.getElementById('app')!);
